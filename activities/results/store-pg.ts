import pg from 'pg';
import type { ResultsStore } from './store-contract';
import {
  PG_BAD_KEYS,
  PG_DDL,
  PG_HISTORY_OF,
  PG_PREVIOUS_MATRICES,
  PG_PREVIOUS_RUN,
  PG_INSERT_RESULTS,
  PG_ROW_COLUMNS,
  PG_ROW_FROM,
  PG_RUN_COLUMNS,
} from './store-pg-sql';
import { toResultRow, toRunRecord } from './store-sql';

// The results store in PostgreSQL (`pg`, pure JavaScript): one database for every host of a
// cluster. A pool per URL per process; idle connections do not keep a CLI process alive. The
// tables are created on first use, under an advisory lock (two hosts may start at once).

type Sql = Parameters<typeof toResultRow>[0];

const pools = new Map<string, { pool: pg.Pool; ready: Promise<void> }>();

function poolFor(url: string) {
  let p = pools.get(url);
  if (!p) {
    const pool = new pg.Pool({ connectionString: url, max: 4, allowExitOnIdle: true });
    // An idle connection the server closed (a restart, an admin) is dropped by the pool; without
    // a listener that 'error' would crash a worker that merely has the store open.
    pool.on('error', () => {});
    const ready = (async () => {
      const c = await pool.connect();
      try {
        await c.query('BEGIN');
        await c.query('SELECT pg_advisory_xact_lock(hashtext($1))', ['fsto results schema']);
        await c.query(PG_DDL);
        await c.query('COMMIT');
      } catch (err) {
        await c.query('ROLLBACK').catch(() => undefined);
        throw err;
      } finally {
        c.release();
      }
    })();
    ready.catch(() => pools.delete(url)); // a later call tries again
    p = { pool, ready };
    pools.set(url, p);
  }
  return p;
}

/** The URL without its password, for messages. */
export function redactUrl(url: string): string {
  try {
    const u = new URL(url);
    if (u.password) u.password = '***';
    return u.toString();
  } catch {
    return 'postgres://(unparsable URL)';
  }
}

export function openPgStore(url: string): ResultsStore {
  const query = async (sql: string, values: unknown[]) => {
    const { pool, ready } = poolFor(url);
    await ready;
    return (await pool.query(sql, values)).rows as Sql[];
  };
  const rows = async (sql: string, values: unknown[]) => (await query(sql, values)).map(toResultRow);
  const runs = async (sql: string, values: unknown[]) => (await query(sql, values)).map(toRunRecord);
  return {
    path: redactUrl(url),
    async recordRun(summary, meta) {
      const { pool, ready } = poolFor(url);
      await ready;
      const c = await pool.connect();
      try {
        await c.query('BEGIN');
        await c.query('DELETE FROM runs WHERE workflow_id = $1', [summary.workflowId]);
        await c.query('INSERT INTO runs VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)', [
          summary.workflowId,
          meta.matrixId ?? null,
          meta.finishedAt ?? new Date().toISOString(),
          meta.fsConfig,
          summary.kernelRelease ?? null,
          meta.fstestsVersion ?? null,
          meta.host,
          summary.status,
          summary.resultsDir,
        ]);
        // One row per test (a name listed twice keeps its last result, as SQLite's REPLACE does).
        const tests = [...new Map(summary.tests.map((t) => [t.name, t])).values()];
        await c.query(PG_INSERT_RESULTS, [
          summary.workflowId,
          tests.map((t) => t.name),
          tests.map((t) => t.verdict),
          tests.map((t) => t.durationSec),
          tests.map((t) => t.reason ?? null),
          tests.map((t) => t.crashSignature ?? null),
          tests.map((t) => t.flakyAttempts ?? null),
        ]);
        await c.query('COMMIT');
      } catch (err) {
        await c.query('ROLLBACK').catch(() => undefined);
        throw err;
      } finally {
        c.release();
      }
      return summary.tests.length;
    },
    runRows: (id) =>
      rows(`SELECT ${PG_ROW_COLUMNS} FROM ${PG_ROW_FROM} WHERE u.workflow_id = $1 ORDER BY r.test`, [id]),
    matrixRows: (id) =>
      rows(`SELECT ${PG_ROW_COLUMNS} FROM ${PG_ROW_FROM} WHERE u.matrix_id = $1 ORDER BY u.config, r.test`, [
        id,
      ]),
    getRun: async (id) =>
      (await runs(`SELECT ${PG_RUN_COLUMNS} FROM runs u WHERE u.workflow_id = $1`, [id]))[0],
    testHistory: (test, opts = {}) =>
      rows(
        `SELECT ${PG_ROW_COLUMNS} FROM ${PG_ROW_FROM} WHERE r.test = $1 AND ($2::text IS NULL OR u.config = $2)
         ORDER BY u.finished_at DESC, u.workflow_id DESC LIMIT $3`,
        [test, opts.config ?? null, opts.limit ?? 20],
      ),
    lastRuns: (n, opts = {}) =>
      runs(
        `SELECT ${PG_RUN_COLUMNS} FROM runs u WHERE ($1::text IS NULL OR u.config = $1)
           AND ($2::text IS NULL OR u.matrix_id = $2)
         ORDER BY u.finished_at DESC, u.workflow_id DESC LIMIT $3`,
        [opts.config ?? null, opts.matrixId ?? null, n],
      ),
    historyOf: (keys, opts) =>
      rows(PG_HISTORY_OF, [
        keys.map((k) => k.config),
        keys.map((k) => k.test),
        [...opts.exclude],
        opts.before ?? null,
        opts.perKey ?? 20,
      ]),
    failedKeys: async (opts) =>
      (await query(PG_BAD_KEYS, [[...opts.configs], [...opts.exclude], opts.before ?? null])).map((r) => ({
        config: String(r.config),
        test: String(r.test),
      })),
    previousRun: async (opts) => {
      const r = (await query(PG_PREVIOUS_RUN, [opts.config ?? null, opts.exclude, opts.before]))[0];
      return r ? String(r.workflow_id) : undefined;
    },
    previousMatrices: async (opts) =>
      (await query(PG_PREVIOUS_MATRICES, [opts.exclude, opts.before, opts.prefix])).map((r) =>
        String(r.matrix_id),
      ),
  };
}
