import { afterEach, describe, expect, it } from 'vitest';
import type { Comparison } from '../../common/schemas';
import type { fstestsMatrix } from '../../workflows';
import { scriptedBatch, startScriptedHost, type ScriptedHost } from '../helpers/scripted-host';
import { uniqueId } from '../helpers/temporal';

// Confirming a night's regressions (MatrixSpec.confirm) with the real matrix, cell and run
// workflows on the real dev server; the host is scripted (kit/scripted-core.ts): its guest plays
// `check`, its report says which tests regressed, its store says each test's old failure rate.
// The oracle is the script: how often each test fails when rerun, which rates the store gives.

let host: ScriptedHost | undefined;
afterEach(async () => {
  await host?.stop();
  host = undefined;
});

const rerunOf = (runKey: string) => Number(/\.confirm\.[^.]+\.k\d+\.r(\d+)$/.exec(runKey)?.[1] ?? 0);

describe('fstestsMatrix with confirm', () => {
  it('reruns each regression N times (N from its rate): confirmed 5/5, flaky 2/5, not reproduced 0/7', async () => {
    const listing = ['g/001', 'g/002', 'g/003', 'g/004'];
    // The night: all but g/004 fail. Reruns: g/001 always fails, g/002 on reruns 2 and 4, g/003 never.
    const guest = scriptedBatch({
      listing,
      behave: (t, _n, batch) => {
        const r = rerunOf(batch.runKey);
        if (r === 0) return t === 'g/004' ? 'pass' : 'fail';
        return t === 'g/001' || (t === 'g/002' && (r === 2 || r === 4)) ? 'fail' : 'pass';
      },
    });
    const id = uniqueId('matrix-confirm');
    const reg = (config: string, test: string) => ({
      config,
      test,
      base: 'pass' as const,
      current: 'fail' as const,
    });
    const comparison: Comparison = {
      base: 'night-1',
      current: id,
      outcome: 'regressed',
      regressions: [reg('xfs', 'g/001'), reg('xfs', 'g/002'), reg('ext4', 'g/003')],
      fixes: [],
      stillFailing: [],
      newlyNotRun: [],
      flaky: [],
      added: [],
      unchanged: 0,
    };
    const asked: unknown[] = [];
    host = await startScriptedHost(guest.run, {
      activities: {
        writeResultsReport: async () => ({ path: '/runs/matrix-report.html', comparison }),
        // g/003 failed half its past runs (on another config): 7 reruns to call it (0.5^7 < 1%).
        failureRates: async (input: never) => {
          asked.push(input);
          return {
            'g/001': { rate: 0, runs: 9 },
            'g/002': { rate: 0, runs: 9 },
            'g/003': { rate: 0.5, runs: 8 },
          };
        },
      },
    });
    const summary = await host.client.workflow.execute<typeof fstestsMatrix>('fstestsMatrix', {
      taskQueue: host.workflowQueue,
      workflowId: id,
      args: [
        {
          fstests: '/f',
          configs: [
            { name: 'xfs', fs: 'xfs' },
            { name: 'ext4', fs: 'ext4' },
          ],
          tests: listing,
          confirm: { maxRuns: 10 },
        },
      ],
    });
    expect(asked).toEqual([{ tests: ['g/001', 'g/002', 'g/003'], excludeMatrix: id }]);
    expect(summary.confirmations?.map((c) => [c.config, c.test, c.text])).toEqual([
      ['xfs', 'g/001', 'regression (confirmed 5/5)'],
      ['xfs', 'g/002', 'flaky (2/5)'],
      ['ext4', 'g/003', 'not reproduced (0/7)'],
    ]);
    expect(summary.confirmations?.[0]?.workflowIds).toEqual(
      [1, 2, 3, 4, 5].map((r) => `${id}.confirm.xfs.k0.r${r}`),
    );
    // Each rerun ran only its cell's regressed tests, with no retries.
    const reruns = guest.inputs.filter((b) => rerunOf(b.runKey) > 0);
    expect(reruns).toHaveLength(12);
    expect(new Set(reruns.map((b) => `${b.fs}:${b.selection.tests.join(',')}`))).toEqual(
      new Set(['xfs:g/001,g/002', 'ext4:g/003']),
    );
  }, 300_000);

  it('without confirm, a regressed night starts no rerun', async () => {
    const guest = scriptedBatch({ listing: ['g/001'], behave: () => 'fail' });
    const comparison = {
      base: 'b',
      current: 'c',
      outcome: 'regressed',
      regressions: [{ config: 'xfs', test: 'g/001', base: 'pass', current: 'fail' }],
      fixes: [],
      stillFailing: [],
      newlyNotRun: [],
      flaky: [],
      added: [],
      unchanged: 0,
    };
    host = await startScriptedHost(guest.run, {
      activities: { writeResultsReport: async () => ({ path: '/r.html', comparison }) },
    });
    const summary = await host.client.workflow.execute<typeof fstestsMatrix>('fstestsMatrix', {
      taskQueue: host.workflowQueue,
      workflowId: uniqueId('matrix-noconfirm'),
      args: [{ fstests: '/f', configs: [{ name: 'xfs', fs: 'xfs' }], tests: ['g/001'] }],
    });
    expect(summary.confirmations).toBeUndefined();
    expect(guest.inputs).toHaveLength(1);
  }, 120_000);
});
