import { NativeConnection, Worker } from '@temporalio/worker';
import { inject } from 'vitest';
import type { BatchInput, BatchResult, HostCapabilities, TestResult } from '../../common/schemas';
import { uniqueId } from '../helpers/temporal';

// A host whose steps are scripted: the real fstestsRun workflow (from the harness's bundle) on a
// real dev server, with test activities under the product's activity names. Nothing boots; the
// script plays the guest, so crash, hang, taint, boot-panic and host-loss paths run in seconds.

/** What one test does the n-th time a batch runs it (1-based). */
export type Behaviour = 'pass' | 'fail' | 'crash' | 'hang' | 'taint' | 'silent';
export interface Script {
  /** What `check -n` lists. */
  listing: string[];
  behave?: (test: string, attempt: number) => Behaviour;
  /** The guest panics while booting for this batch (1-based batch number on this host). */
  bootPanic?: (batch: number) => boolean;
}

export const PANIC = 'Kernel panic - not syncing: sysrq triggered crash';
export const OOPS = 'BUG: kernel NULL pointer dereference, address: X';

export function scriptedBatch(script: Script) {
  const runs = new Map<string, number>();
  let batches = 0;
  const inputs: BatchInput[] = [];
  const run = async (input: BatchInput): Promise<BatchResult> => {
    inputs.push(input);
    const base = { accel: 'tcg' as const, bootSeconds: 1, resultBase: `/results/${input.label}` };
    if (script.bootPanic?.(++batches)) {
      const crash = { signature: PANIC, excerpt: `[    0.9] ${PANIC}` };
      return { ...base, finished: [], ended: 'crashed', phase: 'boot', crash };
    }
    const tests = input.list ? script.listing : input.selection.tests;
    const finished: TestResult[] = [];
    const listed = input.list ? { listed: script.listing, expectedSec: {} } : {};
    const end = { ...base, ...listed, kernelRelease: '6.1.0-test' };
    for (const t of tests) {
      const n = (runs.get(t) ?? 0) + 1;
      runs.set(t, n);
      const b = script.behave?.(t, n) ?? 'pass';
      if (b === 'pass' || b === 'fail') finished.push({ name: t, verdict: b, durationSec: 1 });
      if (b === 'silent') return { ...end, finished, ended: 'completed' };
      if (b === 'crash')
        return { ...end, finished, ended: 'crashed', at: t, crash: { signature: PANIC, excerpt: PANIC } };
      if (b === 'hang') return { ...end, finished, ended: 'hung', at: t };
      if (b === 'taint') {
        finished.push({ name: t, verdict: 'fail', durationSec: 1, crashSignature: OOPS });
        return { ...end, finished, ended: 'tainted', at: t, crash: { signature: OOPS, excerpt: OOPS } };
      }
    }
    return { ...end, finished, ended: 'completed' };
  };
  return { run, inputs };
}

export interface ScriptedHost {
  workflowQueue: string;
  hostQueue: string;
  stop(): Promise<void>;
}

/**
 * Claim + host workers for one scripted host on a connection of its own (two hosts may serve
 * one workflow queue, as real ones do); `runTestBatch` plays the guest.
 */
export async function startScriptedHost(
  runTestBatch: (i: BatchInput) => Promise<BatchResult>,
  o: { workflowQueue?: string; hostId?: string } = {},
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
    vmSlots: 1,
    tmpfsBudgetBytes: 0,
    kernels: ['/boot/vmlinuz-test'],
  };
  const connection = await NativeConnection.connect({ address: inject('temporalAddress') });
  const claim = await Worker.create({
    connection,
    taskQueue: workflowQueue,
    workflowBundle: { codePath: inject('workflowBundlePath') },
    activities: { claimHost: async () => caps },
  });
  const host = await Worker.create({
    connection,
    taskQueue: hostQueue,
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
      runTestBatch,
      finishRun: async (i: { tests: TestResult[] }) => ({ junit: '', artifacts: 0, tests: i.tests }),
      recordRunResults: async () => ({ rows: 0, reportPath: '/runs/x/report.html' }),
      releaseRun: async () => ({ released: 0 }),
    },
  });
  const running = [claim.run(), host.run()];
  let closed = false;
  return {
    workflowQueue,
    hostQueue,
    stop: async () => {
      if (closed) return;
      closed = true;
      for (const w of [claim, host]) if (w.getState() === 'RUNNING') w.shutdown();
      await Promise.all(running);
      await connection.close();
    },
  };
}
