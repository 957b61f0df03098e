import type { ResultRow, RunRecord, Verdict } from '../../common/schemas';

// The results store's tables and row mapping. One row per test result; the run's facts (kernel,
// fstests version, config, host) live in `runs` and are joined back into each ResultRow.
// `user_version` says which layout a file has, so a later layout can migrate old files.

export const SCHEMA_VERSION = 1;

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
PRAGMA user_version = ${SCHEMA_VERSION};
`;

/** Columns of a ResultRow query (results r JOIN runs u). */
export const ROW_COLUMNS = `u.workflow_id, u.matrix_id, u.finished_at, u.config, r.test, r.verdict, r.duration_sec,
  u.kernel_release, u.fstests_version, u.host, r.reason, r.crash_signature, r.flaky_attempts`;

export const ROW_FROM = 'results r JOIN runs u ON u.workflow_id = r.workflow_id';

type Sql = Record<string, number | bigint | string | Uint8Array | null>;

const opt = (v: Sql[string]): string | undefined =>
  v === null || v === undefined ? undefined : String(v as string | number);

export function toResultRow(r: Sql): ResultRow {
  return {
    workflowId: String(r.workflow_id),
    ...(r.matrix_id != null ? { matrixId: String(r.matrix_id) } : {}),
    finishedAt: String(r.finished_at),
    config: String(r.config),
    test: String(r.test),
    verdict: String(r.verdict) as Verdict,
    durationSec: Number(r.duration_sec),
    ...(r.kernel_release != null ? { kernelRelease: opt(r.kernel_release) } : {}),
    ...(r.fstests_version != null ? { fstestsVersion: opt(r.fstests_version) } : {}),
    host: String(r.host),
    ...(r.reason != null ? { reason: opt(r.reason) } : {}),
    ...(r.crash_signature != null ? { crashSignature: opt(r.crash_signature) } : {}),
    ...(r.flaky_attempts != null ? { flakyAttempts: Number(r.flaky_attempts) } : {}),
  };
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
