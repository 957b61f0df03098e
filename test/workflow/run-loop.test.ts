import type { WorkflowHandle } from '@temporalio/client';
import { ApplicationFailure } from '@temporalio/common';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { progressQuery } from '../../common/queries';
import type { RunSpecInput, RunSummary, TestResult } from '../../common/schemas';
import type { fstestsRun } from '../../workflows';
import { connect, uniqueId } from '../helpers/temporal';
import { OOPS, PANIC, scriptedBatch, startScriptedHost, type Script } from '../helpers/scripted-host';

// The real fstestsRun (the harness's bundle) on the real dev server; the batch activity is
// played by a script (no guest boots), so the run loop's paths are shown directly: a crash, a
// hang and a tainted kernel inside a test, a panic at boot, check ending without verdicts, flaky
// retries and a lost host. Expected verdicts are written out by hand below, per scenario.

const TESTS = ['generic/001', 'generic/002', 'generic/003', 'generic/004'];
const spec = (over: Partial<RunSpecInput> = {}): RunSpecInput => ({
  fstests: '/fstests',
  fs: 'xfs',
  tests: TESTS,
  hostLossTimeoutSec: 10,
  ...over,
});
const verdicts = (s: RunSummary) => Object.fromEntries(s.tests.map((t) => [t.name, t.verdict]));
const byName = (s: RunSummary, name: string) => s.tests.find((t) => t.name === name) as TestResult;

describe('fstestsRun loop with a scripted guest', () => {
  let env: Awaited<ReturnType<typeof connect>>;
  beforeAll(async () => {
    env = await connect();
  });
  afterAll(async () => env?.close());

  async function run(script: Script, over: Partial<RunSpecInput> = {}) {
    const batch = scriptedBatch(script);
    const host = await startScriptedHost(batch.run);
    try {
      const handle: WorkflowHandle<typeof fstestsRun> = await env.client.workflow.start<typeof fstestsRun>(
        'fstestsRun',
        { taskQueue: host.workflowQueue, workflowId: uniqueId('loop'), args: [spec(over)] },
      );
      return { summary: await handle.result(), inputs: batch.inputs };
    } finally {
      await host.stop();
    }
  }

  it('a panic inside a test: that test is crashed, a fresh VM runs the rest', async () => {
    const { summary, inputs } = await run({
      listing: TESTS,
      behave: (t) => (t === 'generic/002' ? 'crash' : 'pass'),
    });
    expect(verdicts(summary)).toEqual({
      'generic/001': 'pass',
      'generic/002': 'crashed',
      'generic/003': 'pass',
      'generic/004': 'pass',
    });
    expect(byName(summary, 'generic/002').crashSignature).toBe(PANIC);
    expect(inputs.map((i) => [i.label, i.list, i.selection.tests])).toEqual([
      ['main-1', true, TESTS],
      ['main-2', false, ['generic/003', 'generic/004']],
    ]);
    expect(summary.status).toBe('failed');
  });

  it('a hang: the test is hung, the rest run in a fresh VM', async () => {
    const { summary } = await run({ listing: TESTS, behave: (t) => (t === 'generic/003' ? 'hang' : 'pass') });
    expect(verdicts(summary)['generic/003']).toBe('hung');
    expect(verdicts(summary)['generic/004']).toBe('pass');
  });

  it('an oops the kernel survives: fstests fails the test, the rest run on a fresh kernel', async () => {
    const { summary, inputs } = await run({
      listing: TESTS,
      behave: (t) => (t === 'generic/001' ? 'taint' : 'pass'),
    });
    expect(verdicts(summary)).toEqual({
      'generic/001': 'fail',
      'generic/002': 'pass',
      'generic/003': 'pass',
      'generic/004': 'pass',
    });
    expect(byName(summary, 'generic/001').crashSignature).toBe(OOPS);
    expect(inputs).toHaveLength(2);
  });

  it('survivable kernel problems in 5 tests in a row never end the run, though every verdict came by signal first', async () => {
    // As the real batch: each verdict reaches the run by progress signal before the batch's result.
    const listing = [
      'generic/001',
      'generic/002',
      'generic/003',
      'generic/004',
      'generic/005',
      'generic/006',
    ];
    const batch = scriptedBatch({
      listing,
      signalProgress: true,
      behave: (t) => (t === 'generic/006' ? 'pass' : 'taint'),
    });
    const host = await startScriptedHost(batch.run);
    try {
      const handle = await env.client.workflow.start<typeof fstestsRun>('fstestsRun', {
        taskQueue: host.workflowQueue,
        workflowId: uniqueId('loop-taints'),
        args: [spec({ tests: listing })], // maxVmRestarts: its default, 2
      });
      const summary = await handle.result();
      // fstests' own verdict of each (the script's check fails a tainted test), with the signature.
      expect(verdicts(summary)).toEqual({
        'generic/001': 'fail',
        'generic/002': 'fail',
        'generic/003': 'fail',
        'generic/004': 'fail',
        'generic/005': 'fail',
        'generic/006': 'pass',
      });
      for (const t of listing.slice(0, 5)) expect(byName(summary, t).crashSignature).toBe(OOPS);
      expect(batch.inputs).toHaveLength(6); // a fresh VM after each
      const p = await handle.query(progressQuery);
      expect([p.done, p.total]).toEqual([6, 6]);
    } finally {
      await host.stop();
    }
  });

  it('a release that fails is reported beside the verdicts, not instead of them', async () => {
    const batch = scriptedBatch({ listing: TESTS });
    const host = await startScriptedHost(batch.run, {
      releaseRun: async () => {
        throw ApplicationFailure.nonRetryable('losetup -d /dev/loop7: device busy', 'ReleaseFailed');
      },
    });
    try {
      const summary = await env.client.workflow.execute<typeof fstestsRun>('fstestsRun', {
        taskQueue: host.workflowQueue,
        workflowId: uniqueId('loop-release'),
        args: [spec()],
      });
      expect(summary.status).toBe('passed');
      expect(Object.values(verdicts(summary))).toEqual(['pass', 'pass', 'pass', 'pass']);
      expect(summary.releaseError).toMatch(/device busy/);
    } finally {
      await host.stop();
    }
  });

  it('crashes in many tests never exhaust the run: every test still gets its own verdict', async () => {
    const listing = Array.from({ length: 16 }, (_, i) => `generic/${String(i + 1).padStart(3, '0')}`);
    const { summary, inputs } = await run(
      { listing, behave: (t) => (Number(t.slice(-3)) % 2 === 0 ? 'crash' : 'pass') },
      { tests: listing },
    );
    expect(summary.tests).toHaveLength(16);
    expect(summary.tests.filter((t) => t.verdict === 'crashed')).toHaveLength(8);
    expect(summary.tests.filter((t) => t.verdict === 'pass')).toHaveLength(8);
    // 001+002, 003+004, …, 015+016: 8 crashes, more than maxVmRestarts (2): each VM ends in its
    // crash, and the last one ends the run.
    expect(inputs).toHaveLength(8);
  });

  it('a panic at boot: the run stops after maxVmRestarts+1 boots with a verdict naming boot and the panic', async () => {
    const { summary, inputs } = await run({ listing: TESTS, bootPanic: () => true }, { maxVmRestarts: 1 });
    expect(inputs).toHaveLength(2);
    const boot = byName(summary, 'fsto/boot');
    expect(boot.verdict).toBe('crashed');
    expect(boot.crashSignature).toBe(PANIC);
    expect(boot.reason).toMatch(/during boot/);
    // The tests it was asked for are not silently dropped.
    for (const t of TESTS) expect(byName(summary, t)?.verdict).toBe('error');
    expect(summary.status).toBe('failed');
  });

  it('a boot panic after progress is a stall, not the end: the next VM goes on', async () => {
    const { summary } = await run({
      listing: TESTS,
      behave: (t) => (t === 'generic/002' ? 'crash' : 'pass'),
      bootPanic: (n) => n === 2,
    });
    expect(verdicts(summary)).toEqual({
      'generic/001': 'pass',
      'generic/002': 'crashed',
      'generic/003': 'pass',
      'generic/004': 'pass',
    });
  });

  it('check ends without verdicts for some tests: each is error, none dropped', async () => {
    const { summary } = await run({
      listing: TESTS,
      behave: (t) => (t === 'generic/003' ? 'silent' : 'pass'),
    });
    expect(verdicts(summary)).toEqual({
      'generic/001': 'pass',
      'generic/002': 'pass',
      'generic/003': 'error',
      'generic/004': 'error',
    });
  });

  it('flaky retries: a test that fails then passes is flaky with its attempts; a steady failure stays fail', async () => {
    const { summary, inputs } = await run(
      {
        listing: TESTS,
        behave: (t, n) => ((t === 'generic/001' && n === 1) || t === 'generic/004' ? 'fail' : 'pass'),
      },
      { flakyRetries: 2 },
    );
    expect(byName(summary, 'generic/001')).toMatchObject({ verdict: 'pass', flakyAttempts: 2 });
    expect(byName(summary, 'generic/004').verdict).toBe('fail');
    expect(inputs.map((i) => i.label)).toEqual(['main-1', 'retry-1', 'retry-2']);
    expect(inputs[2]!.selection.tests).toEqual(['generic/004']);
  });

  it('a lost host: the run claims another host and finishes the tests not yet done there', async () => {
    const workflowQueue = uniqueId('scripted-wf');
    let releaseFirst!: () => void;
    const gate = new Promise<void>((r) => (releaseFirst = r));
    const a = scriptedBatch({ listing: TESTS, behave: (t) => (t === 'generic/002' ? 'crash' : 'pass') });
    let started!: () => void;
    const firstBatch = new Promise<void>((r) => (started = r));
    const hostA = await startScriptedHost(
      async (i, pull, notify) => {
        started();
        await gate;
        return a.run(i, pull, notify);
      },
      { workflowQueue },
    );
    const b = scriptedBatch({ listing: TESTS });
    let hostB: Awaited<ReturnType<typeof startScriptedHost>> | undefined;
    try {
      const handle = await env.client.workflow.start<typeof fstestsRun>('fstestsRun', {
        taskQueue: workflowQueue,
        workflowId: uniqueId('loop-lost'),
        args: [spec()],
      });
      await firstBatch;
      hostB = await startScriptedHost(b.run, { workflowQueue });
      const stopping = hostA.stop();
      releaseFirst();
      await stopping;
      const summary = await handle.result();
      expect(verdicts(summary)).toEqual({
        'generic/001': 'pass',
        'generic/002': 'crashed',
        'generic/003': 'pass',
        'generic/004': 'pass',
      });
      expect(a.inputs).toHaveLength(1);
      expect(b.inputs.map((i) => i.selection.tests)).toEqual([['generic/003', 'generic/004']]);
      expect(summary.hostId).not.toBe('');
    } finally {
      releaseFirst();
      await hostA.stop();
      await hostB?.stop();
    }
  }, 90_000);
});
