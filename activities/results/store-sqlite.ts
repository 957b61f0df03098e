import { mkdirSync, rmSync } from 'node:fs';
import { dirname } from 'node:path';
import sqlite from 'node-sqlite3-wasm';
import { withFileLock } from '../file-lock';
import type { ResultsStore } from './store-contract';
import { DDL, ROW_COLUMNS, ROW_FROM, RUN_COLUMNS, toResultRow, toRunRecord } from './store-sql';

// The embedded results store: every test result of every run as a row in one SQLite file in the
// state dir — queryable, nothing to install or run. SQLite runs as WebAssembly (node-sqlite3-wasm,
// direct file I/O, so the file is never loaded whole). That build's own lock is a `<db>.lock`
// directory: a second process gets SQLITE_BUSY at once instead of waiting, and a process killed
// mid-write leaves the directory behind for good. So every access holds our own `<db>.fsto-lock`
// (waits, takes over from dead owners) and, under it, clears a left-over `<db>.lock`; writes are
// one transaction, and the journal a killed writer leaves is rolled back on the next open.

type Db = InstanceType<typeof sqlite.Database>;

export function openSqliteStore(path: string): ResultsStore {
  const use = async <T>(fn: (db: Db) => T): Promise<T> => {
    mkdirSync(dirname(path), { recursive: true });
    return withFileLock(`${path}.fsto-lock`, () => {
      // Only holders of our lock open the file: a `.lock` dir now is a dead writer's.
      rmSync(`${path}.lock`, { recursive: true, force: true });
      const db = new sqlite.Database(path);
      try {
        db.exec(DDL);
        return fn(db);
      } finally {
        db.close();
      }
    });
  };
  const rows = (db: Db, sql: string, values: (string | number | null)[]) =>
    db.all(sql, values).map((r) => toResultRow(r as Parameters<typeof toResultRow>[0]));
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
          const ins = db.prepare('INSERT OR REPLACE INTO results VALUES (?, ?, ?, ?, ?, ?, ?)');
          try {
            for (const t of summary.tests) {
              ins.run([
                summary.workflowId,
                t.name,
                t.verdict,
                t.durationSec,
                t.reason ?? null,
                t.crashSignature ?? null,
                t.flakyAttempts ?? null,
              ]);
            }
          } finally {
            ins.finalize();
          }
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
    matrixRows: (id) =>
      use((db) =>
        rows(db, `SELECT ${ROW_COLUMNS} FROM ${ROW_FROM} WHERE u.matrix_id = ? ORDER BY u.config, r.test`, [
          id,
        ]),
      ),
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
        rows(
          db,
          `SELECT * FROM (SELECT ${ROW_COLUMNS}, ROW_NUMBER() OVER (PARTITION BY u.config, r.test
              ORDER BY u.finished_at DESC) AS nth
            FROM ${ROW_FROM}
            WHERE (u.config || char(9) || r.test) IN (SELECT value FROM json_each(?))
              AND u.workflow_id NOT IN (SELECT value FROM json_each(?))
              AND (? IS NULL OR u.finished_at < ?)) WHERE nth <= ?`,
          [
            JSON.stringify(keys.map((k) => `${k.config}\t${k.test}`)),
            JSON.stringify(opts.exclude),
            opts.before ?? null,
            opts.before ?? null,
            opts.perKey ?? 20,
          ],
        ),
      ),
  };
}
