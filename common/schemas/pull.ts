import { z } from 'zod';

// How a matrix shard gets its tests: from the cell workflow (one config × kernel) that holds the
// cell's queue, by Workflow Update. A reply hands out a chunk of tests (one `check` runs them
// all); the next request says which of them got no verdict, so they go back to the queue.

/** Where a shard of a matrix pulls its tests from: its cell workflow. */
export const PullSource = z.strictObject({
  /** The cell workflow's id (fstestsCell), which holds the queue. */
  parentWorkflowId: z.string(),
  /** The config × kernel the shard belongs to. */
  key: z.string(),
  shard: z.number().int().nonnegative(),
});
export type PullSource = z.infer<typeof PullSource>;

/**
 * What a shard asks its cell for. Every request but a `resume` one says the shard's previous
 * chunk is over: its tests have verdicts in the shard's run, except those in `giveBack`.
 */
export const PullRequest = z.object({
  key: z.string(),
  shard: z.number().int().nonnegative(),
  /** Tests of the previous chunk that got no verdict (the guest died first): back to the head. */
  giveBack: z.array(z.string()).optional(),
  /**
   * The first request of a batch attempt: it does not know how a previous attempt's chunk ended
   * (its worker died). The cell hands the shard's unfinished chunk, if any, to it again.
   */
  resume: z.boolean().optional(),
  /** Only give back: the shard's guest is gone; hand it nothing now (reply `done`). */
  stop: z.boolean().optional(),
  /**
   * Which batch attempt asks (activities/fstests/pull.ts pullEpoch): grows with every batch of
   * the shard's run and every retry of one. A request older than the newest the cell has seen
   * from its shard comes from an attempt given up for another (a host that froze past its
   * heartbeat timeout and came back): refused, so it neither settles the newer attempt's chunk
   * nor takes new tests. Absent: an older worker's request, not checked.
   */
  epoch: z.number().int().nonnegative().optional(),
});
export type PullRequest = z.infer<typeof PullRequest>;

export const PullReply = z.union([
  /** Run these, in one `check`. */
  z.object({ kind: z.literal('tests'), tests: z.array(z.string()).min(1) }),
  /** List the selection (`check -n`) and offer it. */
  z.object({ kind: z.literal('list') }),
  /** Nothing for now (too many shards are waiting in the cell): ask again after `sec`. */
  z.object({ kind: z.literal('wait'), sec: z.number().positive() }),
  /** No more tests for this shard. */
  z.object({ kind: z.literal('done') }),
]);
export type PullReply = z.infer<typeof PullReply>;

export const ListingOffer = z.object({
  key: z.string(),
  tests: z.array(z.string()),
  expectedSec: z.record(z.string(), z.number()),
});
export type ListingOffer = z.infer<typeof ListingOffer>;
