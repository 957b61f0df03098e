import { existsSync, mkdirSync, rmSync } from 'node:fs';
import { dirname } from 'node:path';
import sqlite from 'node-sqlite3-wasm';
import { withFileLock } from '../file-lock';
import type { ResultsStore } from './store-contract';
import {
  BAD_KEYS,
  DDL,
  HISTORY_OF,
  INSERT_RESULTS,
  PREVIOUS_MATRICES,
  PREVIOUS_RUN,
  ROW_COLUMNS,
  ROW_FROM,
  fromRowsJson,
  rowsAsJson,
  RUN_COLUMNS,
  SCHEMA_VERSION,
  toRunRecord,
} from './store-sql';
import type { ResultRow } from '../../common/schemas';

// The embedded results store: every test result of every run as a row in one SQLite file in the
// state dir — queryable, nothing to install or run. SQLite runs as WebAssembly (node-sqlite3-wasm,
// direct file I/O, so the file is never loaded whole). That build's own lock is a `<db>.lock`
// directory: a second process gets SQLITE_BUSY at once instead of waiting, and a process killed
// mid-write leaves the directory behind for good. So every access holds our own `<db>.fsto-lock`
// (waits, takes over from dead owners) and, under it, clears a left-over `<db>.lock`; writes are
// one transaction, and the journal a killed writer leaves is rolled back on the next open.

type Db = InstanceType<typeof sqlite.Database>;

/** A text column's value (every column these queries read as text is TEXT NOT NULL). */
const str = (v: unknown): string => (typeof v === 'string' ? v : String(v as number));

export function openSqliteStore(path: string): ResultsStore {
  const use = async <T>(fn: (db: Db) => T | Promise<T>): Promise<T> => {
    mkdirSync(dirname(path), { recursive: true });
    return withFileLock(`${path}.fsto-lock`, async () => {
      // Only holders of our lock open the file: a `.lock` dir now is a dead writer's.
      if (existsSync(`${path}.lock`)) rmSync(`${path}.lock`, { recursive: true, force: true });
      const db = new sqlite.Database(path);
      try {
        // The layout once per file (and per layout version): DDL at every open was a write
        // transaction (and fsync) before each read, ~10 per report.
        if (db.get('PRAGMA user_version')?.user_version !== SCHEMA_VERSION) db.exec(DDL);
        return await fn(db);
      } finally {
        db.close();
      }
    });
  };
  const rows = (db: Db, sql: string, values: (string | number | null)[]) =>
    fromRowsJson(db.get(rowsAsJson(sql), values)?.j);
  const runs = (db: Db, sql: string, values: (string | number | null)[]) =>
    db.all(sql, values).map((r) => toRunRecord(r as Parameters<typeof toRunRecord>[0]));

  return {
    path,
    recordRun: (summary, meta) =>
      use((db) => {
        db.exec('BEGIN IMMEDIATE');
        try {
          db.run('DELETE FROM results WHERE workflow_id = ?', [summary.workflowId]);
          db.run('DELETE FROM runs WHERE workflow_id = ?', [summary.workflowId]);
          db.run('INSERT INTO runs VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)', [
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
          db.run(INSERT_RESULTS, [
            summary.workflowId,
            JSON.stringify(
              summary.tests.map((t) => [
                t.name,
                t.verdict,
                t.durationSec,
                t.reason ?? null,
                t.crashSignature ?? null,
                t.flakyAttempts ?? null,
              ]),
            ),
          ]);
          db.exec('COMMIT');
        } catch (err) {
          db.exec('ROLLBACK');
          throw err;
        }
        return summary.tests.length;
      }),
    runRows: (id) =>
      use((db) =>
        rows(db, `SELECT ${ROW_COLUMNS} FROM ${ROW_FROM} WHERE u.workflow_id = ? ORDER BY r.test`, [id]),
      ),
    // Run by run (config order), the event loop served between them: a night of 30 configs ×
    // 1,200 tests holds it ~15 ms at a time instead of half a second.
    matrixRows: (id) =>
      use(async (db) => {
        const ids = db.all('SELECT workflow_id FROM runs WHERE matrix_id = ? ORDER BY config, workflow_id', [
          id,
        ]);
        const out: ResultRow[] = [];
        for (const { workflow_id } of ids) {
          await new Promise((r) => setImmediate(r));
          const sql = `SELECT ${ROW_COLUMNS} FROM ${ROW_FROM} WHERE u.workflow_id = ? ORDER BY r.test`;
          out.push(...rows(db, sql, [str(workflow_id)]));
        }
        return out;
      }),
    getRun: (id) =>
      use((db) => runs(db, `SELECT ${RUN_COLUMNS} FROM runs u WHERE u.workflow_id = ?`, [id])[0]),
    testHistory: (test, opts = {}) =>
      use((db) =>
        rows(
          db,
          `SELECT ${ROW_COLUMNS} FROM ${ROW_FROM} WHERE r.test = ? AND (? IS NULL OR u.config = ?)
           ORDER BY u.finished_at DESC, u.workflow_id DESC LIMIT ?`,
          [test, opts.config ?? null, opts.config ?? null, opts.limit ?? 20],
        ),
      ),
    lastRuns: (n, opts = {}) =>
      use((db) =>
        runs(
          db,
          `SELECT ${RUN_COLUMNS} FROM runs u WHERE (? IS NULL OR u.config = ?) AND (? IS NULL OR u.matrix_id = ?)
           ORDER BY u.finished_at DESC, u.workflow_id DESC LIMIT ?`,
          [opts.config ?? null, opts.config ?? null, opts.matrixId ?? null, opts.matrixId ?? null, n],
        ),
      ),
    historyOf: (keys, opts) =>
      use((db) =>
        rows(db, HISTORY_OF, [
          JSON.stringify(keys.map((k) => [k.config, k.test])),
          JSON.stringify(opts.exclude),
          opts.before ?? null,
          opts.before ?? null,
          opts.perKey ?? 20,
        ]),
      ),
    failedKeys: (opts) =>
      use((db) =>
        db
          .all(BAD_KEYS, [
            JSON.stringify(opts.configs),
            JSON.stringify(opts.exclude),
            opts.before ?? null,
            opts.before ?? null,
          ])
          .map((r) => ({ config: str(r.config), test: str(r.test) })),
      ),
    previousRun: (opts) =>
      use((db) => {
        const c = opts.config ?? null;
        const r = db.get(PREVIOUS_RUN, [c, c, opts.exclude, opts.before]);
        return r ? str(r.workflow_id) : undefined;
      }),
    previousMatrices: (opts) =>
      use((db) =>
        db
          .all(PREVIOUS_MATRICES, [opts.exclude, opts.before, opts.prefix, opts.prefix])
          .map((r) => str(r.matrix_id)),
      ),
  };
}
