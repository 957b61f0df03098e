import { WorkflowFailedError } from '@temporalio/client';
import { CancelledFailure } from '@temporalio/common';
import { describe, expect, it } from 'vitest';
import type { fstestsRun } from '../../workflows';
import { uniqueId, useTestHost } from '../helpers/temporal';
import { fixtureSpec, untilDone } from './fixture';
import { leftovers, NOTHING_LEFT } from './leaks';

// Cancel while a test runs in the guest: the run ends cancelled and its cleanup still runs.
describe('cancelling a run', () => {
  const t = useTestHost();

  it('mid-test: ends cancelled, with no loop device, mount or VM process left', async () => {
    const workflowId = uniqueId('e2e-cancel');
    const handle = await t.env.client.workflow.start<typeof fstestsRun>('fstestsRun', {
      taskQueue: t.host.workflowQueue,
      workflowId,
      // 006 hangs; its hang timeout is far away, so only the cancellation can end it.
      args: [
        fixtureSpec(['fixture/001', 'fixture/006'], { hang: { floorSec: 600, factor: 5, defaultSec: 600 } }),
      ],
    });
    await untilDone(handle, 1);
    await new Promise((r) => setTimeout(r, 3000)); // now inside fixture/006
    await handle.cancel();
    const err = await handle.result().catch((e: unknown) => e);
    expect(err).toBeInstanceOf(WorkflowFailedError);
    expect((err as WorkflowFailedError).cause).toBeInstanceOf(CancelledFailure);
    expect((await handle.describe()).status.name).toBe('CANCELLED');
    expect(await leftovers(t.host.stateDir, workflowId)).toEqual(NOTHING_LEFT);
  }, 600_000);
});
