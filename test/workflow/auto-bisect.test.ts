import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Client } from '@temporalio/client';
import { defaultPayloadConverter } from '@temporalio/common';
import { historyToJSON } from '@temporalio/common/lib/proto-utils';
import { Worker } from '@temporalio/worker';
import { afterEach, describe, expect, inject, it } from 'vitest';
import type {
  BisectResult,
  BisectSpecInput,
  Comparison,
  KernelSource,
  MatrixSummary,
} from '../../common/schemas';
import type { fstestsMatrix } from '../../workflows';
import { scriptedBatch, startScriptedHost, type ScriptedHost } from '../helpers/scripted-host';
import { uniqueId } from '../helpers/temporal';
import { historiesDir, historyFileName } from '../replay/histories';

// Auto-bisection of a night's confirmed regressions (MatrixSpec.autoBisect) with the real matrix,
// cell, run and bisect workflows on the real dev server; the host is scripted (kit/scripted-core.ts):
// its guest plays `check`, its build hands back the commit it was asked for, its report names the
// previous night's commit as the kernel sidecar does. The oracle is the script: which test fails
// on which config, on which rerun; which commit each night had. The server's history says which
// children the matrix started, with what input and policies.

let host: ScriptedHost | undefined;
afterEach(async () => {
  await host?.stop();
  host = undefined;
});

const TREE = '/src/linux';
const LAST_NIGHT = 'a'.repeat(40);
const TONIGHT = 'b'.repeat(40);
const BETWEEN = 'c'.repeat(40);
const rerunOf = (runKey: string) => Number(/\.confirm\.[^.]+\.k\d+\.r(\d+)$/.exec(runKey)?.[1] ?? 0);

/** The night: g/001 regressed on xfs (fails every rerun), g/002 on ext4 (fails rerun 2 only). */
function night() {
  const guest = scriptedBatch({
    listing: ['g/001', 'g/002'],
    behave: (t, _n, b) => {
      if (b.runKey.includes('.bisect.')) return 'pass'; // the commit between the nights is good
      const r = rerunOf(b.runKey);
      if (r === 0)
        return (b.fs === 'xfs' && t === 'g/001') || (b.fs === 'ext4' && t === 'g/002') ? 'fail' : 'pass';
      return t === 'g/001' || (t === 'g/002' && r === 2) ? 'fail' : 'pass';
    },
  });
  const reg = (config: string, test: string) => ({
    config,
    test,
    base: 'pass' as const,
    current: 'fail' as const,
  });
  const comparison = (id: string): Comparison => ({
    ...{ base: 'night-1', current: id, outcome: 'regressed' },
    regressions: [reg('xfs', 'g/001'), reg('ext4', 'g/002')],
    ...{ fixes: [], stillFailing: [], newlyNotRun: [], flaky: [], added: [], unchanged: 0 },
    kernels: { base: [`${TREE}@master=${LAST_NIGHT}`], current: [`${TREE}@master=${TONIGHT}`] },
  });
  const reports: Record<string, unknown>[] = [];
  const listed: unknown[] = [];
  const notified: MatrixSummary[] = [];
  const opts = {
    claimActivities: {
      resolveKernelHead: async () => ({ commit: TONIGHT, subject: 'tonight' }),
      // The bisection's range: one commit between the nights, then tonight's.
      listBisectCommits: async (i: never) => {
        listed.push(i);
        return { good: LAST_NIGHT, commits: [BETWEEN, TONIGHT] };
      },
      commitSubject: async () => 'tonight',
    },
    activities: {
      buildKernel: async (i: never) => {
        const { source } = i as { source: KernelSource };
        return {
          ...{ ok: true, commit: source.ref, describe: source.ref.slice(0, 7), configHash: '0' },
          ...{ toolchain: 'scripted', tree: '/boot', cached: true, buildSec: 0 },
        };
      },
      writeResultsReport: async (i: never) => {
        const input = i as { id: string };
        reports.push(input);
        return { path: '/runs/matrix-report.html', comparison: comparison(input.id) };
      },
      notifyNight: async (i: never) => {
        notified.push((i as { summary: MatrixSummary }).summary);
        return { sent: [], failed: [] };
      },
    },
  };
  return { guest, opts, reports, listed, notified };
}

const spec = {
  fstests: '/f',
  configs: [
    { name: 'xfs', fs: 'xfs' },
    { name: 'ext4', fs: 'ext4' },
  ],
  kernels: [{ tree: TREE, ref: 'master', config: 'defconfig' }],
  tests: ['g/001', 'g/002'],
  confirm: { maxRuns: 5 },
  autoBisect: { runs: 2 },
};

/** The children the matrix started, from the server's history: type, id, policies, input. */
async function childStarts(client: Client, id: string) {
  const history = await client.workflow.getHandle(id).fetchHistory();
  return (history.events ?? []).flatMap((e) => {
    const a = e.startChildWorkflowExecutionInitiatedEventAttributes;
    if (!a) return [];
    return [
      {
        type: a.workflowType?.name,
        workflowId: a.workflowId,
        parentClosePolicy: a.parentClosePolicy,
        reusePolicy: a.workflowIdReusePolicy,
        input: defaultPayloadConverter.fromPayload(a.input!.payloads![0]!),
      },
    ];
  });
}

describe('fstestsMatrix with autoBisect', () => {
  it('a confirmed regression starts exactly one bisection (good: last night, bad: tonight); a flaky one none', async () => {
    const n = night();
    host = await startScriptedHost(n.guest.run, n.opts);
    const id = uniqueId('matrix-autobisect');
    const summary = await host.client.workflow.execute<typeof fstestsMatrix>('fstestsMatrix', {
      taskQueue: host.workflowQueue,
      workflowId: id,
      args: [spec],
    });
    const label = `${TREE}@master=${TONIGHT.slice(0, 12)}`;
    expect(summary.confirmations?.map((c) => [c.config, c.test, c.text])).toEqual([
      ['xfs', 'g/001', 'regression (confirmed 5/5)'],
      ['ext4', 'g/002', 'flaky (1/5)'],
    ]);
    const bisectId = `${id}.bisect.xfs.k0`;
    expect(summary.bisections).toEqual([
      {
        config: 'xfs',
        kernel: label,
        tests: ['g/001'],
        good: LAST_NIGHT,
        bad: TONIGHT,
        workflowId: bisectId,
      },
    ]);

    // Exactly one bisection child, abandoned on close, its id never reused; its input from history.
    const bisects = (await childStarts(host.client, id)).filter((c) => c.type === 'fstestsBisect');
    expect(bisects).toHaveLength(1);
    const b = bisects[0]!;
    expect(b.workflowId).toBe(bisectId);
    expect(b.parentClosePolicy).toBe(2); // PARENT_CLOSE_POLICY_ABANDON
    expect(b.reusePolicy).toBe(3); // WORKFLOW_ID_REUSE_POLICY_REJECT_DUPLICATE
    const input = b.input as BisectSpecInput;
    expect(input).toMatchObject({ tree: TREE, good: LAST_NIGHT, bad: TONIGHT, config: 'defconfig', runs: 2 });
    expect(input.run).toMatchObject({ fs: 'xfs', tests: ['g/001'], groups: [], flakyRetries: 0 });
    expect(input.run).not.toHaveProperty('kernel');

    // The bisection really ran (on its own, after the matrix closed): its range from last night's commit.
    const result = (await host.client.workflow.getHandle(bisectId).result()) as BisectResult;
    expect(result.firstBad).toEqual({ commit: TONIGHT, subject: 'tonight' });
    expect(result.steps.map((s) => [s.commit, s.verdict, s.runs.length])).toEqual([[BETWEEN, 'good', 2]]);
    const steps = n.guest.inputs.filter((i) => i.runKey.includes('.bisect.'));
    expect(steps.map((i) => [i.fs, i.selection.tests])).toEqual([
      ['xfs', ['g/001']],
      ['xfs', ['g/001']],
    ]);
    expect(n.listed).toEqual([expect.objectContaining({ tree: TREE, good: LAST_NIGHT, bad: TONIGHT })]);
    // No bisection for the flaky one.
    await expect(host.client.workflow.getHandle(`${id}.bisect.ext4.k0`).describe()).rejects.toThrow();

    // The morning: the report written again with the notes, the notification's summary has them.
    expect(n.reports).toHaveLength(2);
    expect(n.reports[1]).toMatchObject({
      id,
      baseline: 'night-1',
      reuseComparison: true,
      notes: { bisections: summary.bisections, confirmations: summary.confirmations },
    });
    expect(n.notified[0]?.bisections).toEqual(summary.bisections);

    // Its history replays, and the same matrix id run again starts no second bisection.
    const history = await host.client.workflow.getHandle(id).fetchHistory();
    await Worker.runReplayHistory(
      { workflowBundle: { codePath: inject('workflowBundlePath') } },
      history,
      id,
    );
    // FSTO_RECORD_HISTORY=1: keep it for the replay tests (test/replay/histories/).
    if (process.env.FSTO_RECORD_HISTORY)
      await writeFile(join(historiesDir, historyFileName('matrix-autobisect', id)), historyToJSON(history));
    const again = await host.client.workflow.execute<typeof fstestsMatrix>('fstestsMatrix', {
      taskQueue: host.workflowQueue,
      workflowId: id,
      args: [spec],
    });
    expect(again.bisections).toEqual(summary.bisections);
    const runs = [];
    for await (const w of host.client.workflow.list({ query: `WorkflowId = '${bisectId}'` })) runs.push(w);
    expect(runs).toHaveLength(1);
    expect(n.listed).toHaveLength(1);
  }, 300_000);

  it('only flaky or unreproduced regressions: no bisection', async () => {
    const n = night();
    host = await startScriptedHost(n.guest.run, n.opts);
    const id = uniqueId('matrix-autobisect-flaky');
    const summary = await host.client.workflow.execute<typeof fstestsMatrix>('fstestsMatrix', {
      taskQueue: host.workflowQueue,
      workflowId: id,
      args: [{ ...spec, configs: [{ name: 'ext4', fs: 'ext4' }] }],
    });
    expect(summary.confirmations?.map((c) => c.text)).toEqual(['flaky (1/5)']);
    expect(summary.bisections).toBeUndefined();
    expect((await childStarts(host.client, id)).filter((c) => c.type === 'fstestsBisect')).toEqual([]);
    expect(n.listed).toEqual([]);
  }, 300_000);
});
