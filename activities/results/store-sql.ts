import type { ResultRow, RunRecord, Verdict } from '../../common/schemas';

// The results store's tables and row mapping. One row per test result; the run's facts (kernel,
// fstests version, config, host) live in `runs` and are joined back into each ResultRow.
// `user_version` says which layout a file has, so a later layout can migrate old files.

// 2: the same tables; files of version 1 get the DDL once more (indexes added since).
export const SCHEMA_VERSION = 2;

/**
 * A row that failed at least once (a failing verdict, or a pass that needed retries): the rows
 * that decide flakiness. Indexed (partial), so a comparison finds the few keys with such a past
 * without reading every row of every night. The same text in the index and in the queries.
 */
export const BAD_ROW = `(verdict IN ('fail', 'crashed', 'hung') OR flaky_attempts > 1)`;

export const DDL = `
CREATE TABLE IF NOT EXISTS runs (
  workflow_id     TEXT PRIMARY KEY,
  matrix_id       TEXT,
  finished_at     TEXT NOT NULL,
  config          TEXT NOT NULL,
  kernel_release  TEXT,
  fstests_version TEXT,
  host            TEXT NOT NULL,
  status          TEXT NOT NULL,
  results_dir     TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS runs_finished ON runs(finished_at);
CREATE INDEX IF NOT EXISTS runs_config ON runs(config, finished_at);
CREATE INDEX IF NOT EXISTS runs_matrix ON runs(matrix_id);
CREATE TABLE IF NOT EXISTS results (
  workflow_id     TEXT NOT NULL REFERENCES runs(workflow_id) ON DELETE CASCADE,
  test            TEXT NOT NULL,
  verdict         TEXT NOT NULL,
  duration_sec    REAL NOT NULL,
  reason          TEXT,
  crash_signature TEXT,
  flaky_attempts  INTEGER,
  PRIMARY KEY (workflow_id, test)
);
CREATE INDEX IF NOT EXISTS results_test ON results(test);
CREATE INDEX IF NOT EXISTS results_bad ON results(workflow_id, test) WHERE ${BAD_ROW};
PRAGMA user_version = ${SCHEMA_VERSION};
`;

/** Config+test keys of other runs (before a time) with a row that failed once, in these configs. */
export const BAD_KEYS = `SELECT DISTINCT u.config, r.test FROM results r JOIN runs u ON u.workflow_id = r.workflow_id
  WHERE ${BAD_ROW}
    AND u.config IN (SELECT value FROM json_each(?))
    AND u.workflow_id NOT IN (SELECT value FROM json_each(?))
    AND (? IS NULL OR u.finished_at < ?)`;

/** The newest run of a config (any, when NULL) before a time, other than one. */
export const PREVIOUS_RUN = `SELECT workflow_id FROM runs WHERE (? IS NULL OR config = ?) AND workflow_id <> ?
  AND finished_at < ? ORDER BY finished_at DESC, workflow_id DESC LIMIT 1`;

/** Matrices whose runs finished before a time, newest first, with a prefix (their series). */
export const PREVIOUS_MATRICES = `SELECT matrix_id, max(finished_at) AS t FROM runs
  WHERE matrix_id IS NOT NULL AND matrix_id <> ? AND finished_at < ? AND substr(matrix_id, 1, length(?)) = ?
  GROUP BY matrix_id ORDER BY t DESC LIMIT 50`;

/** Columns of a ResultRow query (results r JOIN runs u). */
export const ROW_COLUMNS = `u.workflow_id, u.matrix_id, u.finished_at, u.config, r.test, r.verdict, r.duration_sec,
  u.kernel_release, u.fstests_version, u.host, r.reason, r.crash_signature, r.flaky_attempts`;

export const ROW_FROM = 'results r JOIN runs u ON u.workflow_id = r.workflow_id';

/**
 * A ResultRow query's rows as one JSON text (SQLite): node-sqlite3-wasm crosses into wasm per
 * column of every row (~40 µs a row of 13 columns here); one aggregate string and JSON.parse
 * cost a fifth of that. `select` must yield ROW_COLUMNS, in the order wanted.
 */
export const rowsAsJson = (select: string): string =>
  `SELECT json_group_array(json_array(workflow_id, matrix_id, finished_at, config, test, verdict,
     duration_sec, kernel_release, fstests_version, host, reason, crash_signature, flaky_attempts)) AS j
   FROM (${select})`;

/** ResultRows from rowsAsJson's text. */
export function fromRowsJson(json: unknown): ResultRow[] {
  return (JSON.parse(typeof json === 'string' ? json : '[]') as Sql[string][][]).map((a) =>
    toResultRow({
      workflow_id: a[0]!,
      matrix_id: a[1]!,
      finished_at: a[2]!,
      config: a[3]!,
      test: a[4]!,
      verdict: a[5]!,
      duration_sec: a[6]!,
      kernel_release: a[7]!,
      fstests_version: a[8]!,
      host: a[9]!,
      reason: a[10]!,
      crash_signature: a[11]!,
      flaky_attempts: a[12]!,
    }),
  );
}

/** A run's results, all in one statement (a JSON array of [test, verdict, duration, …] rows). */
export const INSERT_RESULTS = `INSERT OR REPLACE INTO results SELECT ?, json_extract(value, '$[0]'),
  json_extract(value, '$[1]'), json_extract(value, '$[2]'), json_extract(value, '$[3]'),
  json_extract(value, '$[4]'), json_extract(value, '$[5]') FROM json_each(?)`;

/**
 * The newest `perKey` rows of each config+test key (a JSON array of [config, test]) from other
 * runs: the keys drive the join, through the results' test index, never a scan of every row.
 */
export const HISTORY_OF = `WITH k(config, test) AS
    (SELECT json_extract(value, '$[0]'), json_extract(value, '$[1]') FROM json_each(?))
  SELECT * FROM (SELECT ${ROW_COLUMNS}, ROW_NUMBER() OVER (PARTITION BY u.config, r.test
      ORDER BY u.finished_at DESC) AS nth
    FROM k JOIN results r ON r.test = k.test JOIN runs u ON u.workflow_id = r.workflow_id AND u.config = k.config
    WHERE u.workflow_id NOT IN (SELECT value FROM json_each(?))
      AND (? IS NULL OR u.finished_at < ?)) WHERE nth <= ?`;

type Sql = Record<string, number | bigint | string | Uint8Array | null>;

const opt = (v: Sql[string]): string | undefined =>
  v === null || v === undefined ? undefined : String(v as string | number);

/** A row from SQL (assigned field by field: conditional spreads cost ~15 µs a row at 36 k rows). */
export function toResultRow(r: Sql): ResultRow {
  const row: ResultRow = {
    workflowId: String(r.workflow_id),
    finishedAt: String(r.finished_at),
    config: String(r.config),
    test: String(r.test),
    verdict: String(r.verdict) as Verdict,
    durationSec: Number(r.duration_sec),
    host: String(r.host),
  };
  if (r.matrix_id != null) row.matrixId = String(r.matrix_id);
  if (r.kernel_release != null) row.kernelRelease = opt(r.kernel_release);
  if (r.fstests_version != null) row.fstestsVersion = opt(r.fstests_version);
  if (r.reason != null) row.reason = opt(r.reason);
  if (r.crash_signature != null) row.crashSignature = opt(r.crash_signature);
  if (r.flaky_attempts != null) row.flakyAttempts = Number(r.flaky_attempts);
  return row;
}

export const RUN_COLUMNS = `u.workflow_id, u.matrix_id, u.finished_at, u.config, u.kernel_release, u.fstests_version,
  u.host, u.status, u.results_dir,
  (SELECT json_group_object(verdict, n) FROM
     (SELECT verdict, count(*) AS n FROM results WHERE workflow_id = u.workflow_id GROUP BY verdict)) AS counts`;

export function toRunRecord(r: Sql): RunRecord {
  return {
    workflowId: String(r.workflow_id),
    ...(r.matrix_id != null ? { matrixId: String(r.matrix_id) } : {}),
    finishedAt: String(r.finished_at),
    config: String(r.config),
    ...(r.kernel_release != null ? { kernelRelease: opt(r.kernel_release) } : {}),
    ...(r.fstests_version != null ? { fstestsVersion: opt(r.fstests_version) } : {}),
    host: String(r.host),
    status: String(r.status),
    resultsDir: String(r.results_dir),
    counts: JSON.parse(String(r.counts ?? '{}')) as Record<string, number>,
  };
}
