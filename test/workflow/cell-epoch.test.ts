import { afterEach, describe, expect, it } from 'vitest';
import { WorkflowUpdateFailedError } from '@temporalio/client';
import { offerListingUpdate } from '../../common/queries';
import { pullEpoch } from '../../activities/fstests/pull';
import { names, startHeldCell, stopCellHost } from './cell-kit';

// A batch attempt the server gave up for another (its host froze past the heartbeat timeout, then
// came back) must not touch its shard's queue again: neither settle the newer attempt's chunk
// nor take new tests. The REAL fstestsCell on the dev server; its shards' own batches are held
// before they ask anything (they block until cancelled), and the test asks the cell as shard 0's
// attempts would, with the epochs activities/fstests/pull.ts gives them (stand-in for a frozen
// host: two attempts of one batch asking by hand, in the order a freeze produces).

afterEach(stopCellHost);

describe('pull epochs', () => {
  it("refuses a given-up attempt's requests; the newer attempt keeps its chunk", async () => {
    const listing = names(6);
    const { cell, ask, end } = await startHeldCell('cell-epoch', listing);
    try {
      // Shard 0's batch is its run's 5th activity; attempts 1 and 2 of it.
      const first = pullEpoch({ activityId: '5', attempt: 1 })!;
      const second = pullEpoch({ activityId: '5', attempt: 2 })!;
      expect(second).toBeGreaterThan(first);

      // Attempt 1 takes a chunk (listing first if the cell asks for it).
      let reply = await ask({ shard: 0, epoch: first, resume: true });
      if (reply.kind === 'list') {
        await cell.executeUpdate(offerListingUpdate, {
          args: [{ key: 'xfs.k0', tests: listing, expectedSec: {} }],
        });
        reply = await ask({ shard: 0, epoch: first });
      }
      expect(reply.kind).toBe('tests');
      const chunk = (reply as { tests: string[] }).tests;

      // The host froze; attempt 2 resumes and is handed attempt 1's chunk again.
      expect(await ask({ shard: 0, epoch: second, resume: true })).toEqual({ kind: 'tests', tests: chunk });

      // Attempt 1 comes back and asks for more, as if its chunk were over: refused.
      const stale = await ask({ shard: 0, epoch: first }).then(
        (r) => r,
        (e: unknown) => e,
      );
      expect(stale, JSON.stringify(stale)).toBeInstanceOf(WorkflowUpdateFailedError);
      expect(String((stale as Error).cause)).toMatch(/given up for a newer one/);

      // Attempt 2 finishes the chunk with one test given back: that test, and nothing of the
      // chunk it ran, comes next — the chunk was settled once, by its own attempt.
      const back = chunk.at(-1)!;
      const next = await ask({ shard: 0, epoch: second, giveBack: [back] });
      expect(next.kind).toBe('tests');
      const tests = (next as { tests: string[] }).tests;
      expect(tests[0]).toBe(back);
      expect(tests.filter((t) => t !== back && chunk.includes(t))).toEqual([]);
    } finally {
      await end();
    }
  }, 120_000);
});
