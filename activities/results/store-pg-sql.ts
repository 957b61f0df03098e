import { BAD_ROW } from './store-sql';

// The results store's tables in PostgreSQL: the SQLite layout (store-sql.ts) column for column,
// so rows map back the same way (toResultRow, toRunRecord). Times stay ISO text (they sort as
// text, as in SQLite). fsto_meta says which layout a database has.

export const PG_SCHEMA_VERSION = 1;

export const PG_DDL = `
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
  duration_sec    DOUBLE PRECISION NOT NULL,
  reason          TEXT,
  crash_signature TEXT,
  flaky_attempts  INTEGER,
  PRIMARY KEY (workflow_id, test)
);
CREATE INDEX IF NOT EXISTS results_test ON results(test);
CREATE INDEX IF NOT EXISTS results_bad ON results(workflow_id, test) WHERE ${BAD_ROW};
CREATE TABLE IF NOT EXISTS fsto_meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
INSERT INTO fsto_meta VALUES ('schema_version', '${PG_SCHEMA_VERSION}') ON CONFLICT (key) DO NOTHING;
`;

export const PG_ROW_COLUMNS = `u.workflow_id, u.matrix_id, u.finished_at, u.config, r.test, r.verdict, r.duration_sec,
  u.kernel_release, u.fstests_version, u.host, r.reason, r.crash_signature, r.flaky_attempts`;

export const PG_ROW_FROM = 'results r JOIN runs u ON u.workflow_id = r.workflow_id';

export const PG_RUN_COLUMNS = `u.workflow_id, u.matrix_id, u.finished_at, u.config, u.kernel_release, u.fstests_version,
  u.host, u.status, u.results_dir,
  (SELECT COALESCE(json_object_agg(c.verdict, c.n), '{}')::text FROM
     (SELECT verdict, count(*) AS n FROM results WHERE workflow_id = u.workflow_id GROUP BY verdict) c) AS counts`;

/** One statement for all of a run's results (arrays unnested), whatever their number. */
export const PG_INSERT_RESULTS = `INSERT INTO results
  SELECT $1, t.* FROM unnest($2::text[], $3::text[], $4::float8[], $5::text[], $6::text[], $7::int[])
    AS t(test, verdict, duration_sec, reason, crash_signature, flaky_attempts)`;

/** The newest $4 rows of each config+test key ($1 configs, $2 tests) from runs not in $3. */
export const PG_HISTORY_OF = `SELECT * FROM (SELECT ${PG_ROW_COLUMNS}, ROW_NUMBER() OVER (PARTITION BY u.config, r.test
    ORDER BY u.finished_at DESC) AS nth
  FROM unnest($1::text[], $2::text[]) AS k(config, test)
    JOIN results r ON r.test = k.test
    JOIN runs u ON u.workflow_id = r.workflow_id AND u.config = k.config
  WHERE NOT (u.workflow_id = ANY($3::text[]))
    AND ($4::text IS NULL OR u.finished_at < $4)) h WHERE nth <= $5`;

export const PG_BAD_KEYS = `SELECT DISTINCT u.config, r.test FROM results r JOIN runs u ON u.workflow_id = r.workflow_id
  WHERE ${BAD_ROW}
    AND u.config = ANY($1::text[])
    AND NOT (u.workflow_id = ANY($2::text[]))
    AND ($3::text IS NULL OR u.finished_at < $3)`;

export const PG_PREVIOUS_RUN = `SELECT workflow_id FROM runs WHERE ($1::text IS NULL OR config = $1)
  AND workflow_id <> $2 AND finished_at < $3 ORDER BY finished_at DESC, workflow_id DESC LIMIT 1`;

export const PG_PREVIOUS_MATRICES = `SELECT matrix_id, max(finished_at) AS t FROM runs
  WHERE matrix_id IS NOT NULL AND matrix_id <> $1 AND finished_at < $2 AND starts_with(matrix_id, $3)
  GROUP BY matrix_id ORDER BY t DESC LIMIT 50`;
