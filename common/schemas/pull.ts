import { z } from 'zod';

// How a matrix shard gets its tests: from the workflow that holds its config × kernel's queue.

/** Where a shard of a matrix pulls its tests from: the matrix workflow, by update. */
export const PullSource = z.strictObject({
  parentWorkflowId: z.string(),
  /** The config × kernel the shard belongs to. */
  key: z.string(),
  shard: z.number().int().nonnegative(),
});
export type PullSource = z.infer<typeof PullSource>;

/** What a shard asks the matrix for, and what it gets. */
export const PullRequest = z.object({ key: z.string(), shard: z.number().int().nonnegative() });
export type PullRequest = z.infer<typeof PullRequest>;
export const PullReply = z.union([
  z.object({ kind: z.literal('test'), test: z.string() }),
  z.object({ kind: z.literal('list') }),
  z.object({ kind: z.literal('done') }),
]);
export type PullReply = z.infer<typeof PullReply>;
export const ListingOffer = z.object({
  key: z.string(),
  tests: z.array(z.string()),
  expectedSec: z.record(z.string(), z.number()),
});
export type ListingOffer = z.infer<typeof ListingOffer>;
