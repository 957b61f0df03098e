import type { ResultRow, RunRecord, RunSummary } from '../../common/schemas';

// What every results store backend offers (store-sqlite.ts, store-pg.ts); store.ts opens one.

export interface RecordMeta {
  /** The config the run used (a matrix config name, or the fs type). */
  fsConfig: string;
  host: string;
  fstestsVersion?: string;
  matrixId?: string;
  /** ISO time; default now. */
  finishedAt?: string;
}

export interface HistoryOptions {
  config?: string;
  limit?: number;
}

export interface ResultsStore {
  /** Where it is, fit to print: a file path, or a postgres:// URL without its password. */
  readonly path: string;
  /** Record (or re-record: idempotent per workflowId) a finished run. Returns the rows written. */
  recordRun(summary: RunSummary, meta: RecordMeta): Promise<number>;
  runRows(workflowId: string): Promise<ResultRow[]>;
  matrixRows(matrixId: string): Promise<ResultRow[]>;
  getRun(workflowId: string): Promise<RunRecord | undefined>;
  /** A test's results, newest first. */
  testHistory(test: string, opts?: HistoryOptions): Promise<ResultRow[]>;
  /** The last n recorded runs, newest first. */
  lastRuns(n: number, opts?: { config?: string; matrixId?: string }): Promise<RunRecord[]>;
  /** Rows of other runs for these config+test keys, newest `perKey` of each, recorded before `before`. */
  historyOf(
    keys: readonly { config: string; test: string }[],
    opts: { exclude: readonly string[]; before?: string; perKey?: number },
  ): Promise<ResultRow[]>;
  /** Config+test keys of these configs with a row that failed once (fail, or passed on a retry). */
  failedKeys(opts: {
    configs: readonly string[];
    exclude: readonly string[];
    before?: string;
  }): Promise<{ config: string; test: string }[]>;
  /** The newest run (of a config, if given) finished before `before`, other than `exclude`. */
  previousRun(opts: { config?: string; before: string; exclude: string }): Promise<string | undefined>;
  /** Matrix ids starting with `prefix` whose runs finished before `before`, newest first (≤ 50). */
  previousMatrices(opts: { prefix: string; before: string; exclude: string }): Promise<string[]>;
}
