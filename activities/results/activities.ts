import { Context } from '@temporalio/activity';
import { failureRates } from './confirm-rates';
import { fileResults, type FileResultsInput } from './file-results';
import { finishRun, type FinishInput } from './finish';
import { notifyNight } from './notify';
import { offLoop } from './off-loop';
import type { ReportInput, RecordRunInput, RecordRunOutput } from './store-jobs';
import type { WrittenReport } from './report-files';
import { openResultsStore } from './store';
import { translated } from '../failures';

export type { RecordRunInput, RecordRunOutput } from './store-jobs';

/** The attempt of the results step from which a failing store no longer holds the verdicts back. */
const FILING_ATTEMPTS = 3;

// The results step of a run, on its host: collect the verdicts, artifacts and JUnit XML from the
// run's share (finish.ts), record every test result in the host's results
// store, compare with the baseline and write <runDir>/report.html; a matrix's report likewise.
// Idempotent (a retry re-records the same workflow id). The work (seconds at nightly size) runs
// on the store's own thread (off-loop.ts), so the worker's event loop never waits for it.

export function createResultsActivities(deps: { storePath?: string } = {}) {
  const at = deps.storePath ? { storePath: deps.storePath } : {};
  return translated({
    /** The morning's notification of a matrix (notify.ts): never throws for a failed delivery. */
    notifyNight,

    /** The results step (file-results.ts): collect, record, report; returns what it changed. */
    fileRunResults: (input: FileResultsInput) =>
      fileResults(input, {
        recordRun: (r) => offLoop('recordRun', { ...r, ...at }),
        giveUp: Context.current().info.attempt >= FILING_ATTEMPTS,
      }),

    /** Runs started before the one-step results (their histories): collect (finish.ts)… */
    finishRun: (input: FinishInput) => finishRun(input),

    /** …then record. */
    recordRunResults: (input: RecordRunInput): Promise<RecordRunOutput> =>
      offLoop('recordRun', { ...input, ...at }),

    /** Failure rates of tests before a night (confirming its regressions, confirm-rates.ts). */
    async failureRates(input: { tests: string[]; excludeMatrix: string }) {
      return failureRates(openResultsStore(deps.storePath), input);
    },

    /** Write the HTML report (and optionally the aggregated JUnit) of a recorded run or matrix; the
     * comparison it returns is capped (compare-bound.ts), the whole one at `comparisonPath`; the
     * kernels a matrix built from git are kept beside it and named in the comparison. */
    writeResultsReport: (input: ReportInput): Promise<WrittenReport> =>
      offLoop('writeReport', { ...input, ...at }),
  });
}

export type ResultsActivities = ReturnType<typeof createResultsActivities>;
