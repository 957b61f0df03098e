import { Context } from '@temporalio/activity';
import { MAX_HEARTBEAT_THROTTLE } from '../workers/heartbeat-throttle';
import { quickQueue } from '../common/queues';
import { Client, Connection } from '@temporalio/client';
import { ApplicationFailure } from '@temporalio/common';
import { NativeConnection, Worker } from '@temporalio/worker';
import { randomBytes } from 'node:crypto';
import type { CheckRunContext, CheckRunOutcome } from '../activities/fstests/check-run';
import { pullEpoch, runPulled, workAhead, type PullClient } from '../activities/fstests/pull';
import {
  batchProgressSignal,
  nextTestUpdate,
  offerListingUpdate,
  pullPeekQuery,
  pullReadyQuery,
} from '../common/queries';
import type {
  BatchInput,
  BatchProgressSignal,
  BatchResult,
  HostCapabilities,
  TestResult,
} from '../common/schemas';

// Free of vitest (bench/scale-scripted.ts uses it too); tests use test/helpers/scripted-host.ts.
// A host whose guest is scripted: the real workflows (fstestsRun, fstestsCell, fstestsMatrix,
// from the harness's bundle) on the real dev server, with test activities under the product's
// activity names. Nothing boots; a script plays the guest's `check`, so crash, hang, taint,
// boot-panic, dead-shard and host-loss paths run in seconds. A matrix shard's batch is the
// product's own pull loop (runPulled: real Updates to the real cell) around the scripted check.

/** What a test does the n-th time this host runs it (1-based, counted over every batch). */
export type Behaviour = 'pass' | 'fail' | 'crash' | 'hang' | 'taint' | 'silent' | 'die' | 'worker-dies';
export interface Script {
  /** What `check -n` lists. */
  listing: string[];
  /** The host's history (seconds per test) offered with a cell's listing. */
  expectedSec?: Record<string, number>;
  behave?: (test: string, n: number, batch: BatchInput) => Behaviour;
  /** What check says about a failing test (its .out.bad diff), when it says more than nothing. */
  reason?: (test: string) => string;
  /** The guest panics while booting for this batch (1-based batch number on this host). */
  bootPanic?: (batch: number) => boolean;
  /** `check -n` returns once this resolves (lets a test look at a cell before it has a listing). */
  listingGate?: Promise<void>;
  /** Each test starts once this resolves (lets a test look at a cell while its tests run). */
  beforeTest?: (test: string, batch: BatchInput) => Promise<void>;
  /**
   * Send each verdict to the run by progress signal before the batch's result, as the real batch
   * does (activities/fstests/signals.ts): the run then has it before the batch ends.
   */
  signalProgress?: boolean;
  /** Ask the cell before "booting" a shard's guest, as the real batch does (workAhead). */
  peek?: boolean;
}

export const PANIC = 'Kernel panic - not syncing: sysrq triggered crash';
export const OOPS = 'BUG: kernel NULL pointer dereference, address: X';

/** The batch activity's work on a scripted host; `pull` reaches the cell of a matrix shard. */
export type Batch = (input: BatchInput, pull: PullClient, notify: Notify) => Promise<BatchResult>;
/** A progress signal to the batch's own run. */
export type Notify = (s: BatchProgressSignal) => Promise<void>;

export interface ScriptedBatch {
  run: Batch;
  /** Every batch's input, in order. */
  inputs: BatchInput[];
  /** The tests each `check` was given, in order. */
  chunks: string[][];
  /** How many times each test ran. */
  runs: Map<string, number>;
}

export function scriptedBatch(script: Script): ScriptedBatch {
  const runs = new Map<string, number>();
  const chunks: string[][] = [];
  const inputs: BatchInput[] = [];
  let batches = 0;

  /** One `check` over `tests`: a crash, hang or taint ends the guest; `die` fails the batch. */
  const check = async (input: BatchInput, tests: string[], notify: Notify): Promise<CheckRunOutcome> => {
    chunks.push(tests);
    const results: TestResult[] = [];
    const told = async () => {
      if (script.signalProgress && results.length)
        await notify({ label: input.label, results: [results[results.length - 1]!] });
    };
    for (const t of tests) {
      const n = (runs.get(t) ?? 0) + 1;
      runs.set(t, n);
      await script.beforeTest?.(t, input);
      const b = script.behave?.(t, n, input) ?? 'pass';
      if (b === 'pass' || b === 'fail') {
        const why = b === 'fail' ? script.reason?.(t) : undefined;
        results.push({ name: t, verdict: b, durationSec: 1, ...(why ? { reason: why } : {}) });
        await told();
      }
      if (b === 'silent') return { results, ended: 'completed' };
      if (b === 'crash')
        return { results, ended: 'crashed', at: t, crash: { signature: PANIC, excerpt: PANIC } };
      if (b === 'hang') return { results, ended: 'hung', at: t };
      if (b === 'taint') {
        results.push({ name: t, verdict: 'fail', durationSec: 1, crashSignature: OOPS });
        await told();
        return { results, ended: 'tainted', at: t, crash: { signature: OOPS, excerpt: OOPS } };
      }
      // The batch fails for good (non-retryable): the run ends without its verdicts.
      if (b === 'die')
        throw ApplicationFailure.nonRetryable(`planted: ${t} killed the shard`, 'HostUnsuitable');
      // The worker dies mid-check on the first attempt (a retryable failure): the retry resumes.
      if (b === 'worker-dies' && Context.current().info.attempt === 1)
        throw new Error(`planted: worker died in ${t}`);
      if (b === 'worker-dies') results.push({ name: t, verdict: 'pass', durationSec: 1 });
    }
    return { results, ended: 'completed' };
  };
  const list = async () => {
    await script.listingGate;
    return script.listing;
  };

  const run: Batch = async (input, pull, notify) => {
    inputs.push(input);
    const base = { accel: 'tcg' as const, bootSeconds: 1, resultBase: `/results/${input.label}` };
    if (script.bootPanic?.(++batches)) {
      const crash = { signature: PANIC, excerpt: `[    0.9] ${PANIC}` };
      return { ...base, finished: [], ended: 'crashed', phase: 'boot', crash };
    }
    const end = { ...base, kernelRelease: '6.1.0-test' };
    if (input.pull && script.peek && !(await workAhead(pull, input.pull, new AbortController().signal)))
      return { ...base, finished: [], ended: 'completed' };
    if (input.pull) {
      const c = { input, cancel: Context.current().cancellationSignal } as CheckRunContext;
      const times = new Map(Object.entries(script.expectedSec ?? {}));
      const out = await runPulled(
        c,
        pull,
        list,
        times,
        pullEpoch(Context.current().info),
        (tests) => check(input, tests, notify),
        async () => {},
      );
      const { results, ...ended } = out;
      return { ...end, ...ended, finished: results };
    }
    const listed = input.list ? { listed: await list(), expectedSec: {} } : {};
    const out = await check(input, input.list ? script.listing : input.selection.tests, notify);
    const { results, ...ended } = out;
    return { ...end, ...listed, ...ended, finished: results };
  };
  return { run, inputs, chunks, runs };
}

export interface ScriptedHost {
  workflowQueue: string;
  hostQueue: string;
  /** A client on the host's own connection. */
  client: Client;
  stop(): Promise<void>;
}

/**
 * Claim + host workers for one scripted host on connections of its own (two hosts may serve
 * one workflow queue, as real ones do); `runTestBatch` plays the guest.
 */
const uniqueId = (prefix: string) => `${prefix}-${randomBytes(4).toString('hex')}`;

export async function startScriptedHostAt(
  runTestBatch: Batch,
  o: {
    workflowQueue?: string;
    hostId?: string;
    releaseRun?: () => Promise<{ released: number }>;
    /** Quick activities (a nightly's branch head: the product's own), served as workers.ts does: on the claim and quick queues. */
    claimActivities?: Record<string, (input: never) => Promise<unknown>>;
    /** Host activities to play otherwise (a matrix report with a comparison, failure rates). */
    activities?: Record<string, (input: never) => Promise<unknown>>;
    /** The server and the workflow bundle file (scripted-host.ts gives the harness's). */
    address: string;
    bundlePath: string;
  },
): Promise<ScriptedHost> {
  const workflowQueue = o.workflowQueue ?? uniqueId('scripted-wf');
  const hostId = o.hostId ?? uniqueId('scripted-host');
  const hostQueue = `fsto-host-${hostId}`;
  const caps: HostCapabilities = {
    hostId,
    hostQueue,
    kvm: false,
    cpus: 2,
    memoryMiB: 4096,
    vmSlots: 4,
    tmpfsBudgetBytes: 0,
    kernels: ['/boot/vmlinuz-test'],
  };
  const address = o.address;
  const native = await NativeConnection.connect({ address });
  const connection = await Connection.connect({ address });
  const client = new Client({ connection });
  const pull: PullClient = {
    next: (cell, req) => client.workflow.getHandle(cell).executeUpdate(nextTestUpdate, { args: [req] }),
    offer: (cell, offer) =>
      client.workflow.getHandle(cell).executeUpdate(offerListingUpdate, { args: [offer] }),
    ready: (cell, shard) => client.workflow.getHandle(cell).query(pullReadyQuery, shard),
    peek: (cell, shard) => client.workflow.getHandle(cell).query(pullPeekQuery, shard),
  };
  const claim = await Worker.create({
    connection: native,
    taskQueue: workflowQueue,
    workflowBundle: { codePath: o.bundlePath },
    activities: { claimHost: async () => caps, ...o.claimActivities },
  });
  const quick = o.claimActivities
    ? await Worker.create({
        connection: native,
        taskQueue: quickQueue(workflowQueue),
        activities: o.claimActivities,
      })
    : undefined;
  const host = await Worker.create({
    connection: native,
    taskQueue: hostQueue,
    // The product's setting (workers.ts): a cancel reaches the batch within seconds, not a minute.
    maxHeartbeatThrottleInterval: MAX_HEARTBEAT_THROTTLE,
    activities: {
      prepareRun: async () => ({
        runDir: '/runs/x',
        resultsDir: '/runs/x/results',
        kernel: '/boot/vmlinuz-test',
        kernelRelease: '6.1.0-test',
      }),
      planDevices: async () => ({
        devices: [],
        env: {},
        tmpfsBytes: 0,
        fileBytes: 0,
        warnings: [],
        notes: [],
      }),
      setupDevices: async () => ({ devices: [], env: { TEST_DEV: '/dev/vda' } }),
      runTestBatch: (input: BatchInput) =>
        runTestBatch(input, pull, (sig) =>
          client.workflow
            .getHandle(Context.current().info.workflowExecution!.workflowId)
            .signal(batchProgressSignal, sig),
        ),
      fileRunResults: async () => ({ changed: [], report: '/runs/x/report.html' }),
      finishRun: async (i: { tests: TestResult[] }) => ({ junit: '', artifacts: 0, tests: i.tests }),
      recordRunResults: async () => ({ rows: 0, reportPath: '/runs/x/report.html' }),
      releaseRun: o.releaseRun ?? (async () => ({ released: 0 })),
      writeResultsReport: async () => ({ path: '/runs/matrix-report.html' }),
      notifyNight: async () => ({ sent: [], failed: [] }),
      failureRates: async () => ({}),
      ...o.activities,
    },
  });
  const workers = [claim, host, ...(quick ? [quick] : [])];
  const running = workers.map((w) => w.run());
  let closed = false;
  return {
    workflowQueue,
    hostQueue,
    client,
    stop: async () => {
      if (closed) return;
      closed = true;
      for (const w of workers) if (w.getState() === 'RUNNING') w.shutdown();
      await Promise.all(running);
      await connection.close();
      await native.close();
    },
  };
}
