// The results store at nightly size: 30 configs × 1,200 tests × 30 nights of one schedule
// (1.08 M rows, SQLite-wasm, the embedded default), then what a morning does with it, timed:
// `fsto compare` of the last two nights (compareStored + the text it prints) and the matrix's
// report (writeReport: default baseline = the previous night of the same schedule, history,
// HTML). Each as a ratio against the floor in the same process: reading the two nights' rows
// (matrixRows). Also the longest the event loop was held. Nights carry a steady failure, a
// flaky test, tests skipped, and in the last night 3 regressions and 1 fix; a matrix of another
// schedule in between must not be taken as the baseline.
// Then the worker's way: the same report as the writeResultsReport activity makes it, on the
// store's thread (off-loop.ts), twice (the first starts the thread). For each, the event loop's
// delay (perf_hooks.monitorEventLoopDelay, max and p99): what a heartbeat would have waited.
// Run: npx tsx bench/store-nightly.ts [configs] [tests] [nights]   (KEEP=1 keeps the store file;
// STORE=<results.sqlite> times an existing store of the same shape instead of filling one)
//
// Measured 2026-12-03 on 2 cores at load average 15–18 (five agents, QEMU guests), 1.08 M rows:
// fill 847 s (900 recordRun); floor 3.72 s wall / 0.65 s CPU; compare 6.36 s wall / 1.24 s CPU
// (1.71× the floor); report 15.41 s wall / 1.66 s CPU (4.14×); longest event-loop hold 3.7 s.
// After (DDL once per file, compare's quiet keys counted; report on the store's thread), at load
// 15–16, STORE= the same 1.08 M rows: floor 14.97 s wall / 1.95 s CPU; compare 18.07 s / 1.55 s;
// report 17.94 s / 1.63 s, event-loop delay max 3.1 s (p99 2.2 s) on the loop, 403 ms (p99 138 ms)
// when on the thread (first, starting it), 570 ms (p99 225 ms) again. The wall figures are what
// a machine at load 16 on 2 cores gave (≈ 8× CPU); the ≤ 2 s goal holds for CPU, not wall, here.
// 2026-12-07, fresh store (fill 439 s, niced, beside two VMs), then STORE= at load 3.6–4.2 under
// `nice -n -10`, two runs: floor 1.70/1.55 s wall; compare 1.97/1.35 s; report 1.81/1.83 s; on
// the store's thread again 1.57/1.78 s (first, starting the thread, 3.05/2.99 s): ≤ 2 s in wall.
import { mkdtemp, rm } from 'node:fs/promises';
import { loadavg, tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { compareStored } from '../activities/results/baseline';
import { offLoop, stopStoreThread } from '../activities/results/off-loop';
import { writeReport } from '../activities/results/report-files';
import { openResultsStore } from '../activities/results/store';
import { comparisonText } from '../client/commands/results-query';
import type { RunSummary, Verdict } from '../common/schemas';

const CONFIGS = Number(process.argv[2] ?? 30);
const TESTS = Number(process.argv[3] ?? 1200);
const NIGHTS = Number(process.argv[4] ?? 30);
const names = Array.from({ length: TESTS }, (_, i) => `generic/${String(i).padStart(4, '0')}`);
const night = (n: number) => new Date(Date.UTC(2026, 10, 1 + n, 3));
const matrixOf = (n: number) => `fsto-matrix-nightly-${night(n).toISOString().slice(0, 19)}Z`;

function verdict(n: number, c: number, i: number): { verdict: Verdict; flakyAttempts?: number } {
  const last = n === NIGHTS - 1;
  if (i % 50 === 7) return { verdict: 'notrun' };
  if (i === 11 && c === 0) return { verdict: last ? 'pass' : 'fail' }; // fixed last night
  if (i % 400 === 13) return { verdict: 'fail' }; // known failure, every night
  if (i % 300 === 17 && (n * 7 + c) % 5 === 0) return { verdict: 'pass', flakyAttempts: 2 }; // flaky
  if (last && i % 500 === 19 && c < 1) return { verdict: 'fail' }; // regressions
  return { verdict: 'pass' };
}

const summary = (n: number, c: number): RunSummary => ({
  workflowId: `${matrixOf(n)}.c${c}.k0`,
  status: 'failed',
  resultsDir: `/nonexistent/runs/${n}-${c}/results`,
  hostId: 'host-a',
  kernelRelease: '6.1.0',
  tests: names.map((name, i) => ({ name, durationSec: (i % 90) + 1, ...verdict(n, c, i) })),
});

const dir = process.env.STORE
  ? dirname(process.env.STORE)
  : await mkdtemp(join(tmpdir(), 'fsto-bench-nightly-'));
try {
  const storePath = process.env.STORE ?? join(dir, 'results.sqlite');
  const store = openResultsStore(storePath);
  const fill0 = performance.now();
  for (let n = 0; n < (process.env.STORE ? 0 : NIGHTS); n++) {
    for (let c = 0; c < CONFIGS; c++)
      await store.recordRun(summary(n, c), {
        fsConfig: `cfg${c}`,
        host: 'host-a',
        matrixId: matrixOf(n),
        finishedAt: new Date(night(n).getTime() + c * 60_000).toISOString(),
      });
    if (n === NIGHTS - 2)
      // another schedule's matrix between the last two nights
      await store.recordRun(
        { ...summary(n, 0), workflowId: 'fsto-matrix-weekly-2026-12-01T04:00:00Z.c0.k0' },
        {
          fsConfig: 'cfg0',
          host: 'host-a',
          matrixId: `fsto-matrix-weekly-${new Date(night(n).getTime() + 86_000_000).toISOString().slice(0, 19)}Z`,
          finishedAt: new Date(night(n).getTime() + 86_000_000).toISOString(),
        },
      );
  }
  const fillSec = (performance.now() - fill0) / 1000;

  // Wall time, this process's CPU time (the machine is shared: wall time includes waiting), and
  // the event loop's delay meanwhile (max, p99; resolution 10 ms).
  const cpu: number[] = [];
  const delay: string[] = [];
  const time = async <T>(fn: () => Promise<T>): Promise<[number, T]> => {
    const h = monitorEventLoopDelay({ resolution: 10 });
    h.enable();
    const [s, c] = [performance.now(), process.cpuUsage()];
    const v = await fn();
    const u = process.cpuUsage(c);
    h.disable();
    cpu.push((u.user + u.system) / 1e6);
    delay.push(`${(h.max / 1e6).toFixed(0)} / ${(h.percentile(99) / 1e6).toFixed(0)} ms`);
    return [(performance.now() - s) / 1000, v];
  };
  const [prev, cur] = [matrixOf(NIGHTS - 2), matrixOf(NIGHTS - 1)];
  const [floor] = await time(async () => [await store.matrixRows(prev), await store.matrixRows(cur)]);
  const [compareSec, cmp] = await time(async () => {
    const { comparison } = await compareStored(store, prev, cur);
    return { comparison, text: comparisonText(comparison) };
  });
  const [reportSec, rep] = await time(() => writeReport(store, cur, { out: join(dir, 'report.html') }));
  const worker = () => offLoop('writeReport', { storePath, id: cur, out: join(dir, 'report-thread.html') });
  const [coldSec, cold] = await time(worker);
  const [warmSec] = await time(worker);
  await stopStoreThread();
  const c = cmp.comparison;
  console.log(
    `store: ${CONFIGS} configs × ${TESTS} tests × ${NIGHTS} nights = ${CONFIGS * TESTS * NIGHTS} rows, filled in ${fillSec.toFixed(1)} s`,
  );
  console.log(
    `compare: ${c.regressions.length} regressions, ${c.fixes.length} fixes, ${c.flaky.length} flaky, ${c.stillFailing.length} still failing, ${c.unchanged} unchanged`,
  );
  console.log(
    `report baseline: ${rep.baseline ?? '(none)'} (expected ${prev}); on the thread: ${cold.baseline}`,
  );
  console.log(
    `load average at the end: ${loadavg()
      .map((l) => l.toFixed(1))
      .join(' ')} (2 cores)`,
  );
  const line = (what: string, sec: number, i: number) =>
    console.log(
      `${what.padEnd(36)}${sec.toFixed(2).padStart(6)} s${cpu[i]!.toFixed(2).padStart(9)} s${(sec / floor).toFixed(2).padStart(9)}   ${delay[i]}`,
    );
  console.log(`${''.padEnd(36)}  wall    CPU (own)  wall/floor  event-loop delay max / p99`);
  line("floor: the two nights' rows read", floor, 0);
  line('fsto compare of two nights', compareSec, 1);
  line('matrix report (baseline, HTML)', reportSec, 2);
  line("report on the store's thread, first", coldSec, 3);
  line("report on the store's thread, again", warmSec, 4);
  if (rep.baseline !== prev || cold.baseline !== prev) process.exitCode = 1;
} finally {
  if (!process.env.KEEP && !process.env.STORE) await rm(dir, { recursive: true, force: true });
  else console.log(dir);
}
