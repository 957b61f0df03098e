// The results store's two backends on the same work: SQLite (node-sqlite3-wasm, the embedded
// default, under its file lock) and PostgreSQL (`pg`, a throwaway database on this host's
// server). Prints each step's time and PostgreSQL / SQLite. `npx tsx bench/store.ts [runs] [tests]`
//
// Measured 2026-11-30 (10 runs × 1,200 tests, 2 busy cores): record 4.65 s vs 1.36 s, 50 history
// queries 3.86 s vs 0.41 s, a run's baseline history 0.99 s vs 0.41 s. The same work on
// better-sqlite3 12.11.1 (13.x needs Node 22; node:sqlite too), one-off: record 0.41 s, history
// 0.57 s — 7–11× the wasm build. The embedded default stays on the wasm build all the same: the
// store is touched once per run (~0.5 s for 1,200 tests) and per report, while better-sqlite3
// has no prebuilt binary reachable here and compiles from source at install (10 min on these
// hosts, g++/make/python3 on every host and in the worker image). Clusters use PostgreSQL.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openResultsStore, type ResultsStore } from '../activities/results/store';
import type { RunSummary } from '../common/schemas';
import { throwawayDb } from '../kit/pg-db';

const RUNS = Number(process.argv[2] ?? 10);
const TESTS = Number(process.argv[3] ?? 1200);
const verdicts = ['pass', 'pass', 'pass', 'fail', 'notrun'] as const;
const names = Array.from({ length: TESTS }, (_, i) => `generic/${String(i).padStart(4, '0')}`);
const run = (r: number): RunSummary => ({
  workflowId: `bench-${r}`,
  status: 'failed',
  resultsDir: `/tmp/bench/${r}`,
  hostId: `host-${r % 2}`,
  kernelRelease: '6.1.0',
  tests: names.map((name, i) => ({ name, verdict: verdicts[(i + r) % 5]!, durationSec: i % 60 })),
});

async function steps(store: ResultsStore): Promise<Record<string, number>> {
  const t: Record<string, number> = {};
  const time = async (name: string, fn: () => Promise<unknown>) => {
    const s = performance.now();
    await fn();
    t[name] = (performance.now() - s) / 1000;
  };
  await time(`record ${RUNS} runs × ${TESTS} tests`, async () => {
    for (let r = 0; r < RUNS; r++)
      await store.recordRun(run(r), {
        fsConfig: r % 2 ? 'ext4' : 'xfs',
        host: `host-${r % 2}`,
        matrixId: `night-${Math.floor(r / 2)}`,
        finishedAt: new Date(Date.UTC(2025, 0, 1 + r)).toISOString(),
      });
  });
  await time('history of 50 tests', async () => {
    for (const n of names.slice(0, 50)) await store.testHistory(n, { limit: 20 });
  });
  await time('baseline history of a run (historyOf)', () =>
    store.historyOf(
      names.map((test) => ({ config: 'xfs', test })),
      { exclude: [`bench-${RUNS - 1}`] },
    ),
  );
  await time('matrix rows + last runs', async () => {
    await store.matrixRows('night-0');
    await store.lastRuns(20);
  });
  return t;
}

const dir = await mkdtemp(join(tmpdir(), 'fsto-bench-store-'));
const db = await throwawayDb();
try {
  const sqlite = await steps(openResultsStore(join(dir, 'results.sqlite')));
  const pg = await steps(openResultsStore(db.url));
  console.log(`step${' '.repeat(36)}SQLite-wasm   PostgreSQL   PG/SQLite`);
  for (const k of Object.keys(sqlite))
    console.log(
      `${k.padEnd(40)}${sqlite[k]!.toFixed(2).padStart(9)} s${pg[k]!.toFixed(2).padStart(11)} s${(pg[k]! / sqlite[k]!).toFixed(2).padStart(11)}`,
    );
} finally {
  await db.drop();
  await rm(dir, { recursive: true, force: true });
}
