import { join } from 'node:path';
import type { ResultRow, RunRecord, RunSummary } from '../../common/schemas';
import { stateDir } from '../settings';
import { openPgStore } from './store-pg';
import { openSqliteStore } from './store-sqlite';

// The results store, behind one interface: every test result of every run as a row. SQLite in
// the state dir is the embedded default (one host, nothing to run); PostgreSQL when configured
// (`--results-url postgres://…` or FSTO_RESULTS_URL), so every host of a cluster records into
// one store and reports, history, compare and flaky rates of a matrix spread over hosts are
// complete from any of them.

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
}

export function defaultStorePath(dir = stateDir()): string {
  return join(dir, 'results.sqlite');
}

/** The configured store: FSTO_RESULTS_URL, else FSTO_RESULTS_DB (a file), else the state dir's file. */
export function resultsLocation(dir = stateDir()): string {
  return process.env.FSTO_RESULTS_URL || process.env.FSTO_RESULTS_DB || defaultStorePath(dir);
}

export const isPgUrl = (location: string): boolean => /^postgres(ql)?:\/\//.test(location);

/** A store at a file path (or sqlite:PATH) or a postgres:// URL; default: resultsLocation(). */
export function openResultsStore(location = resultsLocation()): ResultsStore {
  if (isPgUrl(location)) return openPgStore(location);
  return openSqliteStore(location.replace(/^sqlite:(\/\/)?/, ''));
}
