import { dirname, join } from 'node:path';
import type { Comparison, RunSummary } from '../../common/schemas';
import { boundComparison } from './compare-bound';
import { failureRates } from './confirm-rates';
import { withKernels } from './kernel-sidecar';
import { notifyNight } from './notify';
import { writeReport, type WriteReportOptions, type WrittenReport } from './report-files';
import { openResultsStore, type RecordMeta } from './store';

// The results step of a run, on its host: record every test result in the host's results
// store, compare with the baseline and write <runDir>/report.html. Idempotent (a retry
// re-records the same workflow id), quick (milliseconds), so no heartbeat.

export interface RecordRunInput {
  summary: RunSummary;
  meta: RecordMeta;
  /** A run id to compare with; 'none'; default: this config's previous run. */
  baseline?: string;
}

export interface RecordRunOutput {
  rows: number;
  reportPath: string;
  baseline?: string;
  /** Absent when there is nothing to compare with (a config's first run). */
  comparison?: Comparison;
}

export function createResultsActivities(deps: { storePath?: string } = {}) {
  return {
    /** The morning's notification of a matrix (notify.ts): never throws for a failed delivery. */
    notifyNight,

    async recordRunResults(input: RecordRunInput): Promise<RecordRunOutput> {
      const store = openResultsStore(deps.storePath);
      const rows = await store.recordRun(input.summary, input.meta);
      const out = join(dirname(input.summary.resultsDir), 'report.html');
      const written = await writeReport(store, input.summary.workflowId, {
        out,
        ...(input.baseline ? { baseline: input.baseline } : {}),
      });
      return {
        rows,
        reportPath: written.path,
        ...(written.baseline ? { baseline: written.baseline } : {}),
        ...(written.comparison
          ? { comparison: boundComparison(written.comparison, written.comparisonPath) }
          : {}),
      };
    },

    /** Failure rates of tests before a night (confirming its regressions, confirm-rates.ts). */
    async failureRates(input: { tests: string[]; excludeMatrix: string }) {
      return failureRates(openResultsStore(deps.storePath), input);
    },

    /** Write the HTML report (and optionally the aggregated JUnit) of a recorded run or matrix; the
     * comparison it returns is capped (compare-bound.ts), the whole one is at `comparisonPath`. */
    async writeResultsReport(
      input: { id: string; kernels?: string[] } & WriteReportOptions,
    ): Promise<WrittenReport> {
      const { id, kernels, ...opts } = input;
      const written = await writeReport(openResultsStore(deps.storePath), id, opts);
      const comparison = await withKernels(written.path, id, kernels, written.baseline, written.comparison);
      return comparison
        ? { ...written, comparison: boundComparison(comparison, written.comparisonPath) }
        : written;
    },
  };
}

export type ResultsActivities = ReturnType<typeof createResultsActivities>;
