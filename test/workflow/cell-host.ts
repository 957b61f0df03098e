import { Client, Connection } from '@temporalio/client';
import { Context } from '@temporalio/activity';
import { ApplicationFailure } from '@temporalio/common';
import { NativeConnection, Worker } from '@temporalio/worker';
import { inject } from 'vitest';
import { runPulled, type PullClient } from '../../activities/fstests/pull';
import type { CheckRunContext, CheckRunOutcome } from '../../activities/fstests/check-run';
import { nextTestUpdate, offerListingUpdate } from '../../common/queries';
import type { BatchInput, BatchResult, HostCapabilities, TestResult } from '../../common/schemas';
import { uniqueId } from '../helpers/temporal';

// A host for the cell tests: the real workflows (fstestsMatrix, fstestsCell, fstestsRun, from the
// harness's bundle) on the real dev server; the activities are test ones under the product's
// names. runTestBatch is the real pull loop (runPulled, real Updates to the real cell) with the
// guest replaced: a script says what each test does in the `check` a chunk runs.

/** What a test does the n-th time a shard runs it (1-based, counted over the whole cell). */
export type Act = 'pass' | 'fail' | 'crash' | 'die' | 'worker-dies';
export interface Script {
  listing: string[];
  expectedSec?: Record<string, number>;
  act?: (test: string, n: number) => Act;
}

const PANIC = 'Kernel panic - not syncing: planted';

/** The guest: runs a chunk test by test; a crash ends the batch, `die` kills the shard's run. */
function guest(script: Script, runs: Map<string, number>, log: string[][]) {
  return async (tests: string[]): Promise<CheckRunOutcome> => {
    log.push(tests);
    const results: TestResult[] = [];
    for (const t of tests) {
      const n = (runs.get(t) ?? 0) + 1;
      runs.set(t, n);
      const act = script.act?.(t, n) ?? 'pass';
      if (act === 'pass' || act === 'fail') results.push({ name: t, verdict: act, durationSec: 1 });
      if (act === 'crash')
        return { results, ended: 'crashed', at: t, crash: { signature: PANIC, excerpt: PANIC } };
      // The batch fails for good (non-retryable): the shard's run ends without its verdicts.
      if (act === 'die')
        throw ApplicationFailure.nonRetryable(`planted: ${t} killed the shard`, 'HostUnsuitable');
      // The worker dies mid-chunk on the first attempt (a retryable failure): the retry resumes.
      if (act === 'worker-dies' && Context.current().info.attempt === 1)
        throw new Error(`planted: worker died in ${t}`);
      if (act === 'worker-dies') results.push({ name: t, verdict: 'pass', durationSec: 1 });
    }
    return { results, ended: 'completed' };
  };
}

export interface CellHost {
  workflowQueue: string;
  client: Client;
  /** The chunks the guests were given, in order. */
  chunks: string[][];
  /** How many times each test ran. */
  runs: Map<string, number>;
  stop(): Promise<void>;
}

export async function startCellHost(script: Script): Promise<CellHost> {
  const workflowQueue = uniqueId('cell-wf');
  const hostId = uniqueId('cell-host');
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
  const address = inject('temporalAddress');
  const native = await NativeConnection.connect({ address });
  const connection = await Connection.connect({ address });
  const client = new Client({ connection });
  const pull: PullClient = {
    next: (cell, req) => client.workflow.getHandle(cell).executeUpdate(nextTestUpdate, { args: [req] }),
    offer: (cell, offer) =>
      client.workflow.getHandle(cell).executeUpdate(offerListingUpdate, { args: [offer] }),
  };
  const runs = new Map<string, number>();
  const chunks: string[][] = [];
  const run = guest(script, runs, chunks);
  const times = new Map(Object.entries(script.expectedSec ?? {}));
  const runTestBatch = async (input: BatchInput): Promise<BatchResult> => {
    if (!input.pull) throw ApplicationFailure.nonRetryable('these tests shard every cell', 'InvalidSpec');
    const c = { input } as CheckRunContext;
    const out = await runPulled(
      c,
      pull,
      async () => script.listing,
      times,
      undefined,
      run,
      async () => {},
    );
    return {
      finished: out.results,
      ended: out.ended,
      ...(out.at ? { at: out.at } : {}),
      ...(out.crash ? { crash: out.crash } : {}),
      kernelRelease: '6.1.0-test',
      accel: 'tcg',
      bootSeconds: 1,
      resultBase: `/results/${input.label}`,
    };
  };
  const workers = [
    await Worker.create({
      connection: native,
      taskQueue: workflowQueue,
      workflowBundle: { codePath: inject('workflowBundlePath') },
      activities: { claimHost: async () => caps },
    }),
    await Worker.create({
      connection: native,
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
        writeResultsReport: async () => ({ path: '/runs/matrix-report.html' }),
      },
    }),
  ];
  const running = workers.map((w) => w.run());
  return {
    workflowQueue,
    client,
    chunks,
    runs,
    stop: async () => {
      for (const w of workers) if (w.getState() === 'RUNNING') w.shutdown();
      await Promise.all(running);
      await connection.close();
      await native.close();
    },
  };
}
