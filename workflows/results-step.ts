import { log, patched } from '@temporalio/workflow';
import { recordedStatus, type RunSpec, type RunSummary } from '../common/schemas';
import type { cleanupProxy } from './activities';
import type { RunState } from './run-state';

/**
 * The results step is one activity (fileRunResults) that returns only the verdicts it changed, and
 * says when the store failed after collecting. Older histories replay finishRun, then recordRunResults.
 */
const RESULTS_ONE_STEP = 'results-one-step';

/** A run's results step, on its host: the verdicts it adds go into `state`; what was filed where. */
export async function fileRunResults(
  c: Cleanup,
  runKey: string,
  summary: RunSummary,
  state: RunState,
  spec: RunSpec,
): Promise<Pick<RunSummary, 'outcome' | 'report' | 'filingError'>> {
  return patched(RESULTS_ONE_STEP)
    ? oneStep(c, runKey, summary, state, spec)
    : finishThenRecord(c, runKey, summary, state, spec);
}

type Cleanup = ReturnType<typeof cleanupProxy>;

/** Cancelled or failed mid-batch: verdicts the host journaled after the last progress signal
 * (a shard has no listing: every journaled test it has no verdict for). */
function journaledOf(summary: RunSummary, state: RunState, spec: RunSpec) {
  return summary.status === 'cancelled' || summary.error !== undefined
    ? { journaled: spec.pull ? ('all' as const) : state.remaining() }
    : {};
}

function recordMeta(summary: RunSummary, spec: RunSpec) {
  const meta = spec.resultsMeta ?? { config: spec.fs };
  return {
    fsConfig: meta.config,
    host: summary.hostId,
    ...(meta.matrixId ? { matrixId: meta.matrixId } : {}),
  };
}

/** The results step in one activity: only what it changed comes back. */
async function oneStep(c: Cleanup, runKey: string, summary: RunSummary, state: RunState, spec: RunSpec) {
  const out = await c.fileRunResults({
    runKey,
    resultsDir: summary.resultsDir,
    summary,
    meta: recordMeta(summary, spec),
    expunge: spec.expunge,
    ...journaledOf(summary, state, spec),
  });
  for (const t of out.changed) state.record(t);
  if (out.filingError) log.warn('results not recorded', { error: out.filingError });
  return {
    ...(out.report ? { report: out.report } : {}),
    ...(out.outcome ? { outcome: out.outcome } : {}),
    ...(out.filingError ? { filingError: out.filingError } : {}),
  };
}

/** Histories from before RESULTS_ONE_STEP: collect, then record, the whole list each way. */
async function finishThenRecord(
  c: Cleanup,
  runKey: string,
  summary: RunSummary,
  state: RunState,
  spec: RunSpec,
) {
  const finished = await c.finishRun({
    runKey,
    resultsDir: summary.resultsDir,
    tests: summary.tests,
    expunge: spec.expunge,
    kernelRelease: summary.kernelRelease,
    ...journaledOf(summary, state, spec),
  });
  for (const t of finished.tests) state.record(t);
  const status = recordedStatus(summary, finished.tests);
  const rec = await c.recordRunResults({
    summary: { ...summary, tests: finished.tests, status },
    meta: recordMeta(summary, spec),
  });
  return { report: rec.reportPath, ...(rec.comparison ? { outcome: rec.comparison.outcome } : {}) };
}
