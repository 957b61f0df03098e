import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { WorkflowFailedError } from '@temporalio/client';
import { CancelledFailure } from '@temporalio/common';
import { describe, expect, it } from 'vitest';
import { openResultsStore } from '../../activities/results/store';
import { summaryQuery } from '../../common/queries';
import type { fstestsRun } from '../../workflows';
import { uniqueId, useTestHost } from '../helpers/temporal';
import { expectedVerdicts } from '../parity/oracle';
import { fixtureSpec } from './fixture';
import { leftovers, NOTHING_LEFT } from './leaks';

/** Wait until the host journaled a verdict for `test` (before the workflow heard of it: signals are coalesced). */
async function untilJournaled(file: string, test: string, timeoutMs = 300_000): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!(await readFile(file, 'utf8').catch(() => '')).includes(`"name":"${test}"`)) {
    if (Date.now() > end) throw new Error(`${test} not journaled in ${file}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

// Cancel while a test runs in the guest: the run ends cancelled, its cleanup still runs, and the
// verdicts it had are kept (status `cancelled`) in its summary and in the host's results store.
describe('cancelling a run', () => {
  const t = useTestHost();

  it('mid-test: ends cancelled with its verdicts so far, and no loop device, mount or VM left', async () => {
    const workflowId = uniqueId('e2e-cancel');
    const handle = await t.env.client.workflow.start<typeof fstestsRun>('fstestsRun', {
      taskQueue: t.host.workflowQueue,
      workflowId,
      // 006 hangs; its hang timeout is far away, so only the cancellation can end it.
      args: [
        fixtureSpec(['fixture/001', 'fixture/006'], { hang: { floorSec: 600, factor: 5, defaultSec: 600 } }),
      ],
    });
    const journal = join(t.host.stateDir, 'runs', workflowId, 'results', 'main-1.results.jsonl');
    await untilJournaled(journal, 'fixture/001');
    await new Promise((r) => setTimeout(r, 3000)); // now inside fixture/006
    await handle.cancel();
    const err = await handle.result().catch((e: unknown) => e);
    expect(err).toBeInstanceOf(WorkflowFailedError);
    expect((err as WorkflowFailedError).cause).toBeInstanceOf(CancelledFailure);
    expect((await handle.describe()).status.name).toBe('CANCELLED');
    expect(await leftovers(t.host.stateDir, workflowId)).toEqual(NOTHING_LEFT);

    // The verdict of 001 as the suite's hand-written oracle has it; 006 was cut short: none.
    const oracle = await expectedVerdicts('fixture', 'guest');
    const summary = await handle.query(summaryQuery);
    expect(summary.status).toBe('cancelled');
    expect(summary.tests.map((x) => [x.name, x.verdict])).toEqual([['fixture/001', oracle['fixture/001']]]);
    const store = openResultsStore(join(t.host.stateDir, 'results.sqlite'));
    expect((await store.getRun(workflowId))?.status).toBe('cancelled');
    expect((await store.runRows(workflowId)).map((r) => [r.test, r.verdict])).toEqual([
      ['fixture/001', oracle['fixture/001']],
    ]);
  }, 600_000);
});
