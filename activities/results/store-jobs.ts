import { dirname, join } from 'node:path';
import type { Comparison, RunSummary } from '../../common/schemas';
import { boundComparison } from './compare-bound';
import { withKernels } from './kernel-sidecar';
import { writeReport, type WriteReportOptions, type WrittenReport } from './report-files';
import { openResultsStore, type RecordMeta } from './store';

// The results store's heavy work, as plain functions of plain data: recording a run and writing
// a report (reading a night's rows, the baseline's, the history of failed keys, comparing,
// rendering HTML: seconds of CPU at nightly size). The worker runs them on a thread of their own
// (store-thread.ts, off-loop.ts) so that its event loop — heartbeats, every other activity —
// never waits on them; the CLI calls them directly.

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

/** A report to write; `kernels`: what a matrix built from git (kernel-sidecar.ts). */
export type ReportInput = { id: string; kernels?: string[] } & WriteReportOptions;

export const storeJobs = {
  /** Record a finished run, compare it with its baseline, write <runDir>/report.html. */
  async recordRun(input: RecordRunInput & { storePath?: string }): Promise<RecordRunOutput> {
    const store = openResultsStore(input.storePath);
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

  /** A recorded run's or matrix's report; its comparison capped (the whole one at comparisonPath). */
  async writeReport(input: ReportInput & { storePath?: string }): Promise<WrittenReport> {
    const { id, storePath, kernels, ...opts } = input;
    const written = await writeReport(openResultsStore(storePath), id, opts);
    const comparison = await withKernels(written.path, id, kernels, written.baseline, written.comparison);
    return comparison
      ? { ...written, comparison: boundComparison(comparison, written.comparisonPath) }
      : written;
  },
};

export type StoreJobs = typeof storeJobs;
export type StoreJob = keyof StoreJobs;
