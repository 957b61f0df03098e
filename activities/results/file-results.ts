import { isDeepStrictEqual } from 'node:util';
import { rootMessage } from '../../common/errors';
import { recordedStatus, type Comparison, type RunSummary, type TestResult } from '../../common/schemas';
import { finishRun, type FinishInput } from './finish';
import type { RecordMeta } from './store';
import type { RecordRunOutput } from './store-jobs';

// The results step of a run, in one activity: collect (journaled verdicts, expunges, artifacts,
// junit.xml: finish.ts), then file (the results store, the baseline comparison, report.html).
// Only what collecting changed goes back to the workflow, never the whole list again.
//
// The rule when filing fails after collecting: the collected verdicts still reach the workflow.
// A failed store is retried by the activity's retries while `giveUp` is false; once it is true
// the step returns the verdicts with `filingError` instead of failing (a verdict is never lost
// to a store). A failure to collect fails the step (retried; the workflow keeps its verdicts).

export type FileResultsInput = Omit<FinishInput, 'tests' | 'kernelRelease'> & {
  summary: RunSummary;
  meta: RecordMeta;
};

export interface FileResultsOutput {
  /** Verdicts collecting added or changed (journaled after the last signal, expunged). */
  changed: TestResult[];
  report?: string;
  outcome?: Comparison['outcome'];
  /** The store or report could not be written: the verdicts stand without them. */
  filingError?: string;
}

export type RecordRun = (input: { summary: RunSummary; meta: RecordMeta }) => Promise<RecordRunOutput>;

export async function fileResults(
  input: FileResultsInput,
  deps: { recordRun: RecordRun; giveUp: boolean },
): Promise<FileResultsOutput> {
  const { summary, meta, ...collect } = input;
  const finished = await finishRun({
    ...collect,
    tests: summary.tests,
    ...(summary.kernelRelease ? { kernelRelease: summary.kernelRelease } : {}),
  });
  const changed = changedFrom(summary.tests, finished.tests);
  const status = recordedStatus(summary, finished.tests);
  try {
    const rec = await deps.recordRun({ summary: { ...summary, tests: finished.tests, status }, meta });
    return {
      changed,
      report: rec.reportPath,
      ...(rec.comparison ? { outcome: rec.comparison.outcome } : {}),
    };
  } catch (err) {
    if (!deps.giveUp) throw err;
    return { changed, filingError: rootMessage(err).slice(0, 2000) };
  }
}

/** The tests of `after` that are new or differ from `before` (by name). */
function changedFrom(before: readonly TestResult[], after: readonly TestResult[]): TestResult[] {
  const was = new Map(before.map((t) => [t.name, t]));
  return after.filter((t) => !isDeepStrictEqual(was.get(t.name), t));
}
