import {
  ApplicationFailure,
  CancellationScope,
  isCancellation,
  log,
  patched,
  setCurrentDetails,
  setHandler,
  upsertSearchAttributes,
  workflowInfo,
} from '@temporalio/workflow';
import {
  failureKind,
  KERNEL_BUILD_FAILED,
  parseOrFail,
  rootMessage,
  type FailureKind,
} from '../common/errors';
import { progressQuery, batchProgressSignal, summaryQuery } from '../common/queries';
import {
  batchSettings,
  hostKeyOf,
  isFailing,
  isKernelSource,
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
import { CLAIM_DEADLINE, claimFailure } from './claim-deadline';
import { RunState } from './run-state';
import { fileRunResults } from './results-step';
import { retryFailures, runAllTests } from './test-loop';

const MAX_HOST_CLAIMS = 3;
/**
 * A matrix shard that fails or is cancelled returns its summary (status error/cancelled, with the
 * verdicts it gave) after its cleanup, instead of failing: its cell keeps those verdicts. Older
 * histories replay the failure.
 */
const SHARD_RETURNS_SUMMARY = 'shard-returns-summary';
/** A release that fails is reported beside the verdicts (releaseError) instead of failing the run. */
const RELEASE_ERROR_BESIDE = 'release-error-beside-verdicts';
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
  const { workflowId } = workflowInfo();
  // The run's name on its host: safe for any workflow id (a Schedule's has colons).
  const runKey = hostKeyOf(workflowId);
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
  let build: RunSummary['build'];
  let claims = 0;
  let filed: Filed = {};
  let cancelled = false;
  let failure: { err: unknown } | undefined;
  let error: string | undefined;
  let failureOf: FailureKind | undefined;
  // The summary so far, with the status it ends with; answered after the run closed too (Temporal
  // replays its history on a worker), which is how a cancelled run's partial verdicts are read.
  setHandler(summaryQuery, () => ({ ...summaryOf(), ...filed }));
  // A shard of a night waits for a host at most this long (claim-deadline.ts); unset: for ever.
  const claimWithin =
    spec.claimWithinSec !== undefined && patched(CLAIM_DEADLINE) ? spec.claimWithinSec : undefined;
  const shard = spec.resultsMeta?.matrixId !== undefined;
  try {
    for (;;) {
      state.phase = 'claiming';
      show();
      const claim = claimProxy(workflowInfo().taskQueue, spec.requireKvm, claimWithin);
      host = await (
        claimWithin !== undefined ? claim.claimHost({ withinSec: claimWithin }) : claim.claimHost()
      ).catch((err: unknown) => {
        throw claimFailure(err, claimWithin, shard);
      });
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
        // A kernel from git: built on this host first (or found in its cache), then run as a tree.
        // Only runs with a source take this path (none existed before it): no patch needed.
        let kernelPath = isKernelSource(spec.kernel) ? undefined : spec.kernel;
        if (isKernelSource(spec.kernel)) {
          state.phase = 'building';
          show();
          const built = await h.buildKernel({ source: spec.kernel });
          if (!built.ok)
            throw ApplicationFailure.nonRetryable(
              `kernel build failed at ${built.describe} (${built.commit}) on ${built.hostId}; log: ${built.log}\n${built.logTail}`.slice(
                0,
                4000,
              ),
              KERNEL_BUILD_FAILED,
              built,
            );
          build = {
            commit: built.commit,
            describe: built.describe,
            configHash: built.configHash,
            cached: built.cached,
          };
          kernelPath = built.tree;
          state.phase = 'preparing';
          show();
        }
        const prepared = await h.prepareRun({ runKey, spec: { ...spec, kernel: kernelPath } });
        resultsDir = prepared.resultsDir;
        kernelRelease = prepared.kernelRelease;
        kernel = {
          kind: prepared.kernelKind ?? 'image',
          path: kernelPath ?? prepared.kernel,
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
    if (!cancelled) {
      log.warn('run failed', { error: rootMessage(err) });
      error = rootMessage(err).slice(0, 2000);
      failureOf = failureKind(err);
    }
    failure = { err };
  } finally {
    // Runs on success, failure and cancellation alike; never on terminate (the reaper's job).
    if (host) filed = await cleanup(host.hostQueue, runKey, summaryOf(), state, spec);
  }
  // A shard says what it ran, whatever ended it: its cell keeps the verdicts (cell.ts).
  if (failure && !(shard && patched(SHARD_RETURNS_SUMMARY))) throw failure.err;

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
    const byTests = runStatusOf(tests);
    const status: RunStatus = cancelled
      ? 'cancelled'
      : error !== undefined && byTests === 'passed'
        ? 'error'
        : byTests;
    return {
      workflowId,
      status,
      resultsDir,
      hostId: state.hostId ?? '',
      kernelRelease,
      ...(kernel ? { kernel } : {}),
      ...(build ? { build } : {}),
      tests,
      ...(error !== undefined ? { error } : {}),
      ...(failureOf !== undefined ? { failure: failureOf } : {}),
    };
  }
}

type Filed = Pick<RunSummary, 'outcome' | 'report' | 'releaseError' | 'filingError'>;

/** Collect and file the results, then release everything, in a scope cancellation cannot stop. */
async function cleanup(
  hostQueue: string,
  runKey: string,
  summary: RunSummary,
  state: RunState,
  spec: RunSpec,
): Promise<Filed> {
  return CancellationScope.nonCancellable(async () => {
    state.phase = 'cleanup';
    state.current = undefined;
    setCurrentDetails(state.details());
    const c = cleanupProxy(hostQueue);
    let filed: Filed = {};
    if (summary.resultsDir) {
      try {
        filed = await fileRunResults(c, runKey, summary, state, spec);
      } catch (err) {
        // The verdicts are in the workflow result whatever happens to the files.
        log.warn('collecting results failed', { error: String(err) });
      }
    }
    try {
      await c.releaseRun({ runKey });
    } catch (err) {
      if (!patched(RELEASE_ERROR_BESIDE)) throw err;
      // The host's reaper goes on trying; the verdicts stand.
      const releaseError = rootMessage(err).slice(0, 2000);
      log.error('release failed', { runKey, error: releaseError });
      filed = { ...filed, releaseError };
    }
    return filed;
  });
}
