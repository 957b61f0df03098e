import { afterEach, describe, expect, it } from 'vitest';
import { WorkflowUpdateFailedError } from '@temporalio/client';
import { offerListingUpdate } from '../../common/queries';
import { pullEpoch } from '../../activities/fstests/pull';
import { names, startHeldCell, stopCellHost } from './cell-kit';

// A shard's batch cancelled while its request waits in the cell for work (activities/fstests/
// pull.ts ends its side of the wait and says `stop`): the cell must end that waiting request
// with `done`, so the chunk that appears later is not handed to a dead batch. The REAL
// fstestsCell on the dev server; its shards' own batches are held before they ask anything, and
// the test asks the cell as the shards' batches would, with their epochs.

afterEach(stopCellHost);

describe('a stopped attempt waiting in the cell', () => {
  it('is answered done, and takes no chunk when work appears', async () => {
    const listing = names(6);
    const { cell, ask, end } = await startHeldCell('cell-stop', listing);
    try {
      const s0 = pullEpoch({ activityId: '5', attempt: 1 })!;
      const s1 = pullEpoch({ activityId: '5', attempt: 1 })!;
      const s1next = pullEpoch({ activityId: '5', attempt: 2 })!;

      // Shard 0 is to list; shard 1 asks meanwhile and waits in the cell.
      expect(await ask({ shard: 0, epoch: s0, resume: true })).toEqual({ kind: 'list' });
      const waiting = ask({ shard: 1, epoch: s1, resume: true });
      const early = await Promise.race([waiting, new Promise((r) => setTimeout(() => r('waiting'), 2000))]);
      expect(early).toBe('waiting');

      // Shard 1's batch is cancelled: it says it stops. Its waiting request ends now.
      expect(await ask({ shard: 1, epoch: s1, resume: true, stop: true })).toEqual({ kind: 'done' });
      const answer = await Promise.race([
        waiting,
        new Promise((r) => setTimeout(() => r('still waiting'), 5000)),
      ]);

      // Work appears: shard 0's listing. The dead attempt's request must not have taken any.
      await cell.executeUpdate(offerListingUpdate, {
        args: [{ key: 'xfs.k0', tests: listing, expectedSec: {} }],
      });
      expect(answer === 'still waiting' ? await waiting : answer).toEqual({ kind: 'done' });

      // The stopped attempt asks nothing more; the shard's next attempt is handed a fresh chunk.
      const again = await ask({ shard: 1, epoch: s1 }).then(
        (r) => r,
        (e: unknown) => e,
      );
      expect(again).toBeInstanceOf(WorkflowUpdateFailedError);
      expect(String((again as Error).cause)).toMatch(/said it stops/);
      const fresh = await ask({ shard: 1, epoch: s1next, resume: true });
      expect(fresh.kind).toBe('tests');
    } finally {
      await end();
    }
  }, 120_000);
});
