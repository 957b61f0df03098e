import { randomBytes } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import { mergeHistory, readHistory } from '../activities/fstests/history';
import type { MatrixSpecInput, MatrixSummary } from '../common/schemas';
import type { fstestsMatrix } from '../workflows';
import { startBenchHost } from './sharding-host';
import { lptMakespan, shardTests, testPhase } from './sharding-timing';
import { onInterrupt } from './on-interrupt';

// How close a sharded matrix gets to the ideal makespan max(longest, total / K): one config (xfs,
// two 1G loop devices), the fixture suite's tests/bench/* (sleeps of known length, 60 s in all),
// shards = K for each K asked, one after another, on a dev server and worker of its own.
// The host's check.time history is SEEDED with the sleeps' lengths before the first run (no
// warm-up run), so longest-first knows them; each run then merges its measured times into it.
// For the nominal sleeps longest-first with no overhead reaches the ideal exactly (the lpt column
// uses the measured durations, which check rounds up by up to 1 s), so what the ratio has above
// lpt/ideal is the orchestration's own cost: check's start-up per test, hand-out, result upload.
// --scale N multiplies every sleep (the suite's BENCH_SCALE, set through local.config): check's
// own cost per invocation and per test stays the same, so N > 1 shows the orchestration on tests
// of a more usual length (fstests' auto tests under TCG mostly run tens of seconds or more).
// Run as root: npx tsx bench/sharding.ts [--scale N] [K ...]   (default: 1 2 3, scale 1)

const NOMINAL: [string, number][] = [
  ['bench/001', 20],
  ['bench/002', 15],
  ['bench/003', 10],
  ['bench/004', 5],
  ['bench/005', 5],
  ['bench/006', 5],
];
const args = process.argv.slice(2);
const scaleAt = args.indexOf('--scale');
const scale = scaleAt >= 0 ? Number(args.splice(scaleAt, 2)[1]) : 1;
if (!Number.isInteger(scale) || scale < 1 || scale > 20)
  throw new Error('--scale takes a whole number 1..20');
const BENCH = NOMINAL.map(([t, s]): [string, number] => [t, s * scale]);
const ks = args.length > 0 ? args.map(Number) : [1, 2, 3];
if (!ks.every((k) => Number.isInteger(k) && k >= 1 && k <= 6)) {
  throw new Error('give K as whole numbers 1..6 (one shard per test at most): bench/sharding.ts 1 2 3');
}
if (process.getuid?.() !== 0) throw new Error('run as root: the runs attach loop devices');

const fixture = fileURLToPath(new URL('../test/fixtures/fstests', import.meta.url));
const spec = (k: number): MatrixSpecInput => ({
  name: `bench-sharding-k${k}`,
  fstests: fixture,
  configs: [
    {
      name: 'xfs',
      fs: 'xfs',
      ...(scale > 1 ? { vars: { BENCH_SCALE: String(scale) } } : {}),
      devices: {
        devices: [
          { name: 'test', size: '1G', envVar: 'TEST_DEV' },
          { name: 'scratch', size: '1G', envVar: 'SCRATCH_DEV' },
        ],
      },
    },
  ],
  tests: BENCH.map(([t]) => t),
  shards: k,
  // One vCPU per guest: the tests sleep, and K TCG guests booting at once share 2 host cores.
  vm: { cpus: 1 },
});

const host = await startBenchHost(Math.max(...ks));
onInterrupt(async (sig) => {
  console.error(`${sig}: cleaning up`);
  const left = await host.close();
  if (left.length) console.error(`left behind:\n  ${left.join('\n  ')}`);
});

const f1 = (x: number) => x.toFixed(1).padStart(7);
const rows: string[] = [];
const shardLines: string[] = [];
let failed = false;
try {
  await mergeHistory(host.stateDir, 'xfs', new Map(BENCH));
  for (const k of ks) {
    const t0 = performance.now();
    const handle = await host.client.workflow.start<typeof fstestsMatrix>('fstestsMatrix', {
      taskQueue: host.workflowQueue,
      workflowId: `bench-sharding-k${k}-${randomBytes(3).toString('hex')}`,
      args: [spec(k)],
    });
    const summary: MatrixSummary = await handle.result();
    const wall = (performance.now() - t0) / 1000;
    const run = summary.runs[0]!;
    const children = run.shards.map((s) => s.workflowId);
    const shards = await shardTests(host.client, children);
    const all = shards.flatMap((s) => s.tests);
    const bad = all.filter((t) => t.verdict !== 'pass');
    if (all.length !== BENCH.length || new Set(all.map((t) => t.name)).size !== BENCH.length || bad.length) {
      throw new Error(
        `K=${k}: expected ${BENCH.length} passes, got ${JSON.stringify(all)} ${run.error ?? ''}`,
      );
    }
    const phase = await testPhase(host.client, summary.workflowId, run.workflowId, children);
    const durations = all.map((t) => t.durationSec);
    const total = durations.reduce((a, b) => a + b, 0);
    const longest = Math.max(...durations);
    const ideal = Math.max(longest, total / k);
    // What each test cost beyond its own run time: check's start-up, hand-out, result upload.
    const overhead = (phase.busySec.reduce((a, b) => a + b, 0) - total) / durations.length;
    rows.push(
      `${String(k).padStart(2)} ${f1(wall)} ${f1(phase.beforeSec)} ${f1(phase.makespanSec)} ${f1(total)} ${f1(longest)} ${f1(ideal)}   ${(phase.makespanSec / ideal).toFixed(2)}   ${(lptMakespan(durations, k) / ideal).toFixed(2)} ${f1(overhead)}   [${phase.shardStartSec.map((s) => s.toFixed(1)).join(', ')}]`,
    );
    for (const [i, s] of shards.entries()) {
      shardLines.push(`K=${k} shard ${i}: ${s.tests.map((t) => `${t.name} ${t.durationSec}s`).join(', ')}`);
    }
    if (run.handOuts !== undefined) shardLines.push(`K=${k}: ${run.handOuts} hand-outs (chunks)`);
    console.error(`K=${k} done in ${wall.toFixed(0)} s`);
  }
  const hist = await readHistory(host.stateDir, 'xfs');
  console.log(
    `fsto sharding bench: 1 config (xfs, 2 × 1G loop), tests/bench/* (${BENCH.map(([, s]) => s).join('+')} s), TCG, 1 vCPU/guest`,
  );
  console.log('history: seeded with the sleep lengths (no warm-up run)');
  console.log(
    ' K    wall   before makespan   total longest   ideal   ratio   lpt/ideal  ovh/test   shard first-test starts (s)',
  );
  for (const r of rows) console.log(r);
  for (const l of shardLines) console.log(l);
  console.log(`check.time after the runs: ${[...hist].map(([t, s]) => `${t} ${s}`).join(', ')}`);
  console.log(
    'wall: start → result; before: start → first test; makespan: first test start → last test end;',
  );
  console.log(
    "lpt: longest first with no overhead; ovh/test: (Σ shards' first start → last end − total) / tests",
  );
} catch (err) {
  failed = true;
  console.error(err);
} finally {
  const left = await host.close();
  console.log(
    left.length ? `left behind:\n  ${left.join('\n  ')}` : 'left behind: nothing (loops, VMs, state dir)',
  );
  if (left.length) failed = true;
}
process.exit(failed ? 1 : 0);
