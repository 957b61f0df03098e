// The real cluster, end to end (too slow for CI: ~15–30 min under TCG; run by hand):
//   sudo bash scripts/cluster.sh up && npx tsx bench/cluster.ts [/var/lib/fsto-cluster/env]
// Two `fsto worker` hosts (own host ids and state dirs, one VM slot each) run one matrix of the
// fixture suite sharded over both, against the PostgreSQL-backed server and results store. Mid-run
// host A is SIGKILLed (worker and VM supervisor; its guest left running) and the Temporal server
// is restarted (scripts/cluster.sh down + up). Then: every listed test has exactly one verdict;
// `fsto runs` and `fsto report` from host B's side (the shared store) cover every shard; host A
// restarts and its reaper releases what the killed run left; nothing is left on either host.
// Run the script with the FSTO_CLUSTER_* settings `up` was given (the restart reuses them).
//
// Measured 2026-11-30 (FSTO_CLUSTER_PORT=17233, 2 cores under load 8–13): both hosts had a VM at
// 12 s; host a SIGKILLed (its guest left running); server down+up in 9 s; the killed host's batch
// hit its heartbeat timeout, its retry waited on host a's queue until hostLossTimeoutSec (300 s),
// the shard re-claimed host b; matrix done at 472 s (status failed: fixture/004 and 008 fail by
// design), 6 verdicts for 6 tests, each once; `fsto runs` from host b's side: both shard runs;
// report complete; host a restarted and was clean 12 s later (loops, mounts, guests, ledger),
// host b clean. The compare step compares the matrix with itself (one matrix only): it shows the
// store answers from host b, not a regression check.
import { randomBytes } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Client, Connection } from '@temporalio/client';
import { execa } from 'execa';
import type { MatrixSpecInput, RunSummary } from '../common/schemas';
import type { fstestsMatrix } from '../workflows';
import { benchHost, clusterEnv } from './cluster-hosts';

const root = fileURLToPath(new URL('..', import.meta.url));
const env = await clusterEnv(process.argv[2] ?? '/var/lib/fsto-cluster/env');
const t0 = Date.now();
const at = () => `${((Date.now() - t0) / 1000).toFixed(0)}s`;
const say = (s: string) => console.log(`[${at()}] ${s}`);
const until = async (what: string, ok: () => Promise<boolean>, ms = 900_000) => {
  const end = Date.now() + ms;
  while (!(await ok())) {
    if (Date.now() > end) throw new Error(`${what}: not within ${ms / 1000} s`);
    await new Promise((r) => setTimeout(r, 1000));
  }
};
const fsto = (...args: string[]) =>
  execa(join(root, 'fsto'), args, { env: { ...env, FSTO_STATE_DIR: b.stateDir }, reject: false });

const queue = `bench-cluster-${randomBytes(2).toString('hex')}`;
const a = await benchHost('a', env, queue);
const b = await benchHost('b', env, queue);
a.start();
b.start();
const connection = await Connection.connect({ address: env.TEMPORAL_ADDRESS! });
const client = new Client({ connection, namespace: env.TEMPORAL_NAMESPACE ?? 'default' });
const tests = ['fixture/001', 'fixture/002', 'fixture/003', 'fixture/004', 'fixture/005', 'fixture/008'];
const devices = {
  devices: [1, 2].map((n) => ({ name: `d${n}`, size: '1G', envVar: n === 1 ? 'TEST_DEV' : 'SCRATCH_DEV' })),
};
const spec: MatrixSpecInput = {
  name: 'bench-cluster',
  fstests: join(root, 'test/fixtures/fstests'),
  configs: [{ name: 'xfs', fs: 'xfs', devices }],
  tests,
  shards: 2,
  hang: { floorSec: 60, factor: 5, defaultSec: 120 },
};
const matrixId = `fsto-matrix-bench-cluster-${queue.slice(-4)}`;
const handle = await client.workflow.start<typeof fstestsMatrix>('fstestsMatrix', {
  taskQueue: queue,
  workflowId: matrixId,
  args: [spec],
});
say(`matrix ${matrixId} started on ${env.TEMPORAL_ADDRESS}, queue ${queue}`);
await until('a VM on both hosts', async () => (await a.vms()).length > 0 && (await b.vms()).length > 0);
say(`VMs up on both hosts; SIGKILL host a (its guest stays)`);
await a.kill();
say(`host a killed; its guest processes: ${(await a.leftovers()).processes.length}`);
say('restarting the Temporal server (scripts/cluster.sh down, up)');
const restart = await execa('bash', ['-c', 'bash scripts/cluster.sh down && bash scripts/cluster.sh up'], {
  cwd: root,
  reject: false,
});
say(`server restarted (exit ${restart.exitCode})`);
const summary = await handle.result();
say(`matrix ${summary.status}`);

const shards = await Promise.all(
  summary.runs
    .flatMap((r) => r.shards)
    .map((s) => client.workflow.getHandle(s.workflowId).result() as Promise<RunSummary>),
);
const names = shards.flatMap((s) => s.tests.map((t) => t.name)).sort();
const once = JSON.stringify(names) === JSON.stringify([...tests].sort());
say(`verdicts: ${names.length} for ${tests.length} tests; each exactly once: ${once}`);
say(`shards ran on: ${shards.map((s) => s.hostId).join(', ')}`);
const runs = JSON.parse((await fsto('runs', '--json', '--last', '20')).stdout) as {
  workflowId: string;
  matrixId?: string;
}[];
say(
  `fsto runs (shared store): ${runs.filter((r) => r.matrixId === matrixId).length} shard runs of this matrix`,
);
const out = join(b.stateDir, 'bench-cluster.html');
const rep = await fsto('report', matrixId, '--out', out);
const html = await readFile(out, 'utf8').catch(() => '');
say(
  `fsto report from host b: exit ${rep.exitCode}, every test in it: ${tests.every((t) => html.includes(t))}`,
);
const cmp = await fsto('compare', matrixId, matrixId);
say(
  `fsto compare (the matrix against itself, from host b): exit ${cmp.exitCode}: ${cmp.stdout.split('\n')[0]}`,
);

say('host a restarts: its reaper releases what the killed run left');
a.start();
await until(
  'host a clean',
  async () => {
    const l = await a.leftovers();
    return !l.loops.length && !l.mounts.length && !l.processes.length && !l.ledger.length;
  },
  300_000,
).catch((e: Error) => say(e.message));
say(`left on host a: ${JSON.stringify(await a.leftovers())}`);
say(`left on host b: ${JSON.stringify(await b.leftovers())}`);
await Promise.all([a.stop(), b.stop()]);
await connection.close();
say('done');
