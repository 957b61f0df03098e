import {
  CancellationScope,
  isCancellation,
  log,
  patched,
  setCurrentDetails,
  setHandler,
  upsertSearchAttributes,
  workflowInfo,
} from '@temporalio/workflow';
import { parseOrFail, rootMessage } from '../common/errors';
import { progressQuery, batchProgressSignal, summaryQuery } from '../common/queries';
import {
  batchSettings,
  isFailing,
  RunSpec,
  runStatusOf,
  type HostCapabilities,
  type RunSpecInput,
  type RunStatus,
  type RunSummary,
} from '../common/schemas';
import { SA_FAILED_COUNT, SA_FS_CONFIG, SA_KERNEL, SA_OUTCOME } from '../common/search-attributes';
import { claimProxy, cleanupProxy, hostProxy } from './activities';
import { isHostLost } from './host-loss';
import { RunState } from './run-state';
import { retryFailures, runAllTests } from './test-loop';

const MAX_HOST_CLAIMS = 3;
/**
 * Runs started since this patch plan their devices while the run is prepared (the plan needs only
 * the spec): one workflow task less before the VM (issue 11's start-up). Older histories replay
 * the sequential order.
 */
const PLAN_WHILE_PREPARING = 'plan-devices-while-preparing';

/**
 * One run: one kernel × one filesystem config × one test selection, on one host (docs/architecture.md,
 * "One run"). Validate → claim → prepare → devices → batches of tests in VMs (fresh VM after a
 * crash or hang) → flaky retries → finally, whatever happened: collect and release.
 */
export async function fstestsRun(input: RunSpecInput): Promise<RunSummary> {
  const spec = parseOrFail(RunSpec, input, 'run spec');
  const runKey = workflowInfo().workflowId;
  const state = new RunState();
  const show = () => setCurrentDetails(state.details());
  setHandler(progressQuery, () => state.progress());
  setHandler(batchProgressSignal, ({ listed, expectedSec, results, next }) => {
    if (listed && !state.listed) {
      state.listed = listed;
      state.expectedSec = expectedSec ?? {};
    }
    for (const r of results ?? []) state.record(r);
    state.current = next;
    show();
  });
  upsertSearchAttributes([{ key: SA_FS_CONFIG, value: spec.fs }]);

  let host: HostCapabilities | undefined;
  let resultsDir = '';
  let kernelRelease: string | undefined;
  let kernel: RunSummary['kernel'];
  let claims = 0;
  let filed: Filed = {};
  let cancelled = false;
  // The summary so far, with the status it ends with; answered after the run closed too (Temporal
  // replays its history on a worker), which is how a cancelled run's partial verdicts are read.
  setHandler(summaryQuery, () => ({ ...summaryOf(), ...filed }));
  try {
    for (;;) {
      state.phase = 'claiming';
      show();
      host = await claimProxy(workflowInfo().taskQueue, spec.requireKvm).claimHost();
      claims++;
      state.hostId = host.hostId;
      log.info('claimed host', { hostId: host.hostId, kvm: host.kvm });
      const h = hostProxy(host.hostQueue, spec.hostLossTimeoutSec);
      try {
        state.phase = 'preparing';
        show();
        const planning = patched(PLAN_WHILE_PREPARING)
          ? h.planDevices({ spec: spec.devices ?? {} })
          : undefined;
        planning?.catch(() => undefined); // awaited below; a failure must not go unhandled meanwhile
        const prepared = await h.prepareRun({ runKey, spec });
        resultsDir = prepared.resultsDir;
        kernelRelease = prepared.kernelRelease;
        kernel = {
          kind: prepared.kernelKind ?? 'image',
          path: spec.kernel ?? prepared.kernel,
          image: prepared.kernel,
        };
        upsertSearchAttributes([{ key: SA_KERNEL, value: prepared.kernelRelease }]);
        state.phase = 'devices';
        show();
        const plan = await (planning ?? h.planDevices({ spec: spec.devices ?? {} }));
        const devices = await h.setupDevices({ runKey, plan });
        const base = {
          runKey,
          ...batchSettings(spec),
          kernel: prepared.kernel,
          ...(prepared.modulesDir ? { modulesDir: prepared.modulesDir } : {}),
          devices,
          resultsDir,
          ...(spec.iterations > 1 ? { iterations: spec.iterations } : {}),
          ...(spec.loopOnFail > 0 ? { loopOnFail: spec.loopOnFail } : {}),
          ...(spec.pull ? { pull: spec.pull } : {}),
        };
        state.phase = 'testing';
        show();
        await runAllTests(spec, base, state, h.runTestBatch, (r) => {
          kernelRelease = r.kernelRelease ?? kernelRelease;
          state.current = undefined;
          show();
        });
        state.phase = 'retrying';
        show();
        await retryFailures(spec, base, state, h.runTestBatch);
        break;
      } catch (err) {
        if (!isHostLost(err) || claims >= MAX_HOST_CLAIMS) throw err;
        // Its devices stay recorded in that host's ledger: its reaper releases them at start.
        log.warn('host lost; claiming another', { hostId: host.hostId });
        host = undefined;
      }
    }
  } catch (err) {
    cancelled = isCancellation(err);
    // A warning: a failed run is the run's outcome, reported by whoever follows it (the CLI), not an
    // error of the worker (an embedded run's terminal, at ERROR, showed it a second time).
    if (!cancelled) log.warn('run failed', { error: rootMessage(err) });
    throw err;
  } finally {
    // Runs on success, failure and cancellation alike; never on terminate (the reaper's job).
    if (host) filed = await cleanup(host.hostQueue, summaryOf(), state, spec);
  }

  const summary: RunSummary = { ...summaryOf(), ...filed };
  state.phase = 'done';
  show();
  const failed = summary.tests.filter((t) => isFailing(t.verdict)).length;
  upsertSearchAttributes([
    // "regressed" only for new failures (against the previous run of this config on this host).
    { key: SA_OUTCOME, value: summary.outcome === 'regressed' ? 'regressed' : summary.status },
    { key: SA_FAILED_COUNT, value: failed },
  ]);
  return summary;

  function summaryOf(): RunSummary {
    const tests = [...state.results.values()];
    const status: RunStatus = cancelled ? 'cancelled' : runStatusOf(tests);
    return {
      workflowId: runKey,
      status,
      resultsDir,
      hostId: state.hostId ?? '',
      kernelRelease,
      ...(kernel ? { kernel } : {}),
      tests,
    };
  }
}

type Filed = Pick<RunSummary, 'outcome' | 'report'>;

/** Collect and file the results, then release everything, in a scope cancellation cannot stop. */
async function cleanup(
  hostQueue: string,
  summary: RunSummary,
  state: RunState,
  spec: RunSpec,
): Promise<Filed> {
  return CancellationScope.nonCancellable(async () => {
    state.phase = 'cleanup';
    state.current = undefined;
    setCurrentDetails(state.details());
    const c = cleanupProxy(hostQueue);
    const runKey = summary.workflowId;
    let filed: Filed = {};
    if (summary.resultsDir) {
      try {
        const finished = await c.finishRun({
          runKey,
          resultsDir: summary.resultsDir,
          tests: summary.tests,
          expunge: spec.expunge,
          kernelRelease: summary.kernelRelease,
          // Cancelled mid-batch: verdicts the host journaled after the last progress signal.
          ...(summary.status === 'cancelled' ? { journaled: state.remaining() } : {}),
        });
        for (const t of finished.tests) state.record(t);
        const meta = spec.resultsMeta ?? { config: spec.fs };
        const status = summary.status === 'cancelled' ? 'cancelled' : runStatusOf(finished.tests);
        const rec = await c.recordRunResults({
          summary: { ...summary, tests: finished.tests, status },
          meta: {
            fsConfig: meta.config,
            host: summary.hostId,
            ...(meta.matrixId ? { matrixId: meta.matrixId } : {}),
          },
        });
        filed = { report: rec.reportPath, ...(rec.comparison ? { outcome: rec.comparison.outcome } : {}) };
      } catch (err) {
        // The verdicts are in the workflow result whatever happens to the files.
        log.warn('collecting results failed', { error: String(err) });
      }
    }
    await c.releaseRun({ runKey });
    return filed;
  });
}
