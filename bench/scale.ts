import { randomBytes } from 'node:crypto';
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { MatrixSpecInput, MatrixSummary } from '../common/schemas';
import { matrixProgressQuery } from '../common/queries';
import { liveProgress } from '../client/matrix/matrix-cells';
import { mountsUnder } from '../kit/devices';
import type { fstestsMatrix } from '../workflows';
import { executionSizes, verdictsByConfig } from './scale-histories';
import { startBenchHost } from './sharding-host';
import { expectedVerdict, genName, writeScaleSuite } from './scale-suite';

// A matrix of any size, for real: a generated fixture suite (bench/scale-suite.ts) of N tests,
// 3 configs × N tests sharded over K VMs each, run as ONE fstestsMatrix on real guests (TCG),
// its own dev server and worker (bench/sharding-host.ts). Checks: every listed test of every
// config has exactly one verdict, the one the generator planted; no workflow execution over
// 2,000 Updates or 10,000 history events (read from the real histories); nothing left behind.
// Run as root: npx tsx bench/scale.ts [N] [K]   (default: 1200 2)

const N = Number(process.argv[2] ?? 1200);
const K = Number(process.argv[3] ?? 2);
if (!(N >= 1 && N <= 9999 && K >= 2 && K <= 16))
  throw new Error('usage: bench/scale.ts [N 1..9999] [K 2..16]');
if (process.getuid?.() !== 0) throw new Error('run as root: the runs attach loop devices');
const MAX_UPDATES = 2000;
const MAX_EVENTS = 10_000;

const devices = {
  devices: [
    { name: 'test', size: '1G', envVar: 'TEST_DEV' },
    { name: 'scratch', size: '1G', envVar: 'SCRATCH_DEV' },
  ],
};
const suite = await mkdtemp(join(tmpdir(), 'fsto-scale-suite-'));
const listing = await writeScaleSuite(suite, N);
const listed = new Set(listing);
const spec: MatrixSpecInput = {
  name: 'bench-scale',
  fstests: suite,
  configs: [
    { name: 'xfs', fs: 'xfs', devices },
    { name: 'xfs-noreflink', fs: 'xfs', mkfsOptions: '-m reflink=0', devices },
    { name: 'ext4', fs: 'ext4', devices },
  ],
  groups: ['gen'],
  shards: K,
  // Small guests: the tests are trivial, and 3 × K TCG guests share the host's 2 cores.
  vm: { cpus: 1, memoryMiB: 1024 },
};
const host = await startBenchHost(3 * K, 'scale');
const f = (x: number) => x.toLocaleString('en');
let failed = false;
try {
  const t0 = performance.now();
  const handle = await host.client.workflow.start<typeof fstestsMatrix>('fstestsMatrix', {
    taskQueue: host.workflowQueue,
    workflowId: `bench-scale-${randomBytes(3).toString('hex')}`,
    args: [spec],
  });
  const result = handle.result();
  let closed = false;
  void result.finally(() => (closed = true)).catch(() => undefined);
  while (!closed) {
    await Promise.race([result.catch(() => undefined), new Promise((r) => setTimeout(r, 60_000))]);
    const p = await liveProgress(host.client.workflow, await handle.query(matrixProgressQuery)).catch(
      () => undefined,
    );
    if (p && !closed) {
      const cells = p.runs.map((r) => `${r.config} ${r.done}/${r.total}`).join(', ');
      console.error(`[${((performance.now() - t0) / 1000).toFixed(0)} s] ${p.done}/${p.total}: ${cells}`);
    }
  }
  const summary: MatrixSummary = await result;
  const wall = (performance.now() - t0) / 1000;

  // Every listed test of every config: exactly one verdict, the planted one.
  const byConfig = await verdictsByConfig(host.client, summary);
  let verdicts = 0;
  const wrong: string[] = [];
  for (const [config, byTest] of byConfig) {
    for (const vs of byTest.values()) verdicts += vs.length;
    for (const [i, t] of listing.entries()) {
      const vs = byTest.get(t) ?? [];
      const want = expectedVerdict(i + 1);
      if (vs.length !== 1 || vs[0] !== want)
        wrong.push(`${config} ${t}: ${vs.join(',') || 'none'} (want ${want})`);
    }
    for (const t of byTest.keys()) if (!listed.has(t)) wrong.push(`${config} ${t}: not listed`);
  }
  const sizes = await executionSizes(host.client, summary);
  const maxEvents = sizes.reduce((a, b) => (b.events > a.events ? b : a));
  const maxUpdates = sizes.reduce((a, b) => (b.updates > a.updates ? b : a));
  // Leaks, before the host's close (which reaps and checks loops and processes again).
  const mounts = await mountsUnder(host.stateDir);
  const ledgers: string[] = [];
  for (const s of sizes) {
    const left = await readdir(join(host.stateDir, 'ledger', s.workflowId)).catch(() => []);
    if (left.length) ledgers.push(`${s.workflowId}: ${left.join(', ')}`);
  }

  console.log(
    `fsto scale bench: 1 matrix, ${spec.configs.length} configs × ${f(N)} generated tests (${genName(1)}..${genName(N)}), ${K} shards per config, TCG, 1 vCPU/guest`,
  );
  console.log(`wall: ${wall.toFixed(0)} s; matrix status ${summary.status}`);
  for (const r of summary.runs)
    console.log(
      `  ${r.config.padEnd(14)} ${r.status.padEnd(7)} ${r.tests}/${r.listed} verdicts ${JSON.stringify(r.counts)}, ${r.handOuts ?? 0} hand-outs, failing named ${r.failing.length} (+${r.failingMore})`,
    );
  console.log(
    `verdicts: ${f(verdicts)} (want ${f(N * spec.configs.length)}), wrong or missing: ${wrong.length}`,
  );
  for (const w of wrong.slice(0, 20)) console.log(`  ${w}`);
  console.log(
    `executions: ${sizes.length}; largest history ${f(maxEvents.events)} events (${maxEvents.workflowId})`,
  );
  console.log(`largest Update count ${f(maxUpdates.updates)} (${maxUpdates.workflowId})`);
  console.log(`result payload: ${f(JSON.stringify(summary).length)} bytes`);
  if (mounts.length || ledgers.length)
    console.log(`left: mounts ${mounts.join(' ')} ledger ${ledgers.join('; ')}`);
  failed =
    wrong.length > 0 ||
    verdicts !== N * spec.configs.length ||
    maxEvents.events > MAX_EVENTS ||
    maxUpdates.updates > MAX_UPDATES ||
    mounts.length > 0 ||
    ledgers.length > 0;
} catch (err) {
  failed = true;
  console.error(err);
} finally {
  const left = await host.close();
  console.log(
    left.length
      ? `left behind:\n  ${left.join('\n  ')}`
      : 'left behind: nothing (loops, VMs, mounts, ledger, state dir)',
  );
  if (left.length) failed = true;
  await rm(suite, { recursive: true, force: true });
}
console.log(failed ? 'FAILED' : 'OK');
process.exit(failed ? 1 : 0);
