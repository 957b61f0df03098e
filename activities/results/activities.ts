import { notifyNight } from './notify';
import { offLoop } from './off-loop';
import type { ReportInput, RecordRunInput, RecordRunOutput } from './store-jobs';
import type { WrittenReport } from './report-files';

export type { RecordRunInput, RecordRunOutput } from './store-jobs';

// The results step of a run, on its host: record every test result in the host's results
// store, compare with the baseline and write <runDir>/report.html; a matrix's report likewise.
// Idempotent (a retry re-records the same workflow id). The work (seconds at nightly size) runs
// on the store's own thread (off-loop.ts), so the worker's event loop never waits for it.

export function createResultsActivities(deps: { storePath?: string } = {}) {
  const at = deps.storePath ? { storePath: deps.storePath } : {};
  return {
    /** The morning's notification of a matrix (notify.ts): never throws for a failed delivery. */
    notifyNight,

    recordRunResults: (input: RecordRunInput): Promise<RecordRunOutput> =>
      offLoop('recordRun', { ...input, ...at }),

    /** Write the HTML report (and optionally the aggregated JUnit) of a recorded run or matrix; the
     * comparison it returns is capped (compare-bound.ts), the whole one at `comparisonPath`. */
    writeResultsReport: (input: ReportInput): Promise<WrittenReport> =>
      offLoop('writeReport', { ...input, ...at }),
  };
}

export type ResultsActivities = ReturnType<typeof createResultsActivities>;
