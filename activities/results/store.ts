import { join } from 'node:path';
import { fstoEnv, stateDir } from '../settings';
import { openPgStore } from './store-pg';
import { openSqliteStore } from './store-sqlite';
import type { ResultsStore } from './store-contract';

export type { RecordMeta, ResultsStore } from './store-contract';

// The results store, behind one interface: every test result of every run as a row. SQLite in
// the state dir is the embedded default (one host, nothing to run); PostgreSQL when configured
// (`--results-url postgres://…` or FSTO_RESULTS_URL), so every host of a cluster records into
// one store and reports, history, compare and flaky rates of a matrix spread over hosts are
// complete from any of them.

export function defaultStorePath(dir = stateDir()): string {
  return join(dir, 'results.sqlite');
}

/** The configured store: FSTO_RESULTS_URL, else FSTO_RESULTS_DB (a file), else the state dir's file. */
export function resultsLocation(dir = stateDir()): string {
  return fstoEnv('FSTO_RESULTS_URL') || fstoEnv('FSTO_RESULTS_DB') || defaultStorePath(dir);
}

export const isPgUrl = (location: string): boolean => /^postgres(ql)?:\/\//.test(location);

/** A store at a file path (or sqlite:PATH) or a postgres:// URL; default: resultsLocation(). */
export function openResultsStore(location = resultsLocation()): ResultsStore {
  if (isPgUrl(location)) return openPgStore(location);
  return openSqliteStore(location.replace(/^sqlite:(\/\/)?/, ''));
}
