import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Client, Connection } from '@temporalio/client';
import { execa, type ResultPromise } from 'execa';
import { afterAll, describe, expect, inject, it } from 'vitest';
import { ensureDevServer, type DevServer } from '../../client/server/dev-server';
import type { fstestsRun } from '../../workflows';
import { canonicalStateDir, startHost, type Host } from '../../workers/host';
import { runWorkers } from '../../workers/workers';
import { loopsUnder } from '../../kit/devices';
import { fixtureSpec } from '../e2e/fixture';
import { leftovers, NOTHING_LEFT, processesMentioning } from '../e2e/leaks';
import { connect, uniqueId } from '../helpers/temporal';

const FSTO = fileURLToPath(new URL('../../fsto', import.meta.url));
const REAP_SEC = 2;

// One host, one state dir, two Temporal servers: a cluster worker (a real `fsto worker
// --address X` process, X being the harness's server) and the embedded default (the product's
// own dev server start and in-process worker, as `fsto run` does, on ports of its own). Each
// holds a live run's loop devices and VM while the other's reaper runs — at its start and every
// REAP_SEC while it is up. To each server the other's run is unknown, which is not "closed".
// Real loop devices, real qemu guests under TCG (no KVM on these hosts).
describe('an embedded run and a cluster worker sharing a state dir', () => {
  const procs: ResultPromise[] = [];
  let embedded: DevServer | undefined;
  let host: Host | undefined;
  let running: Promise<void> | undefined;
  let env: Awaited<ReturnType<typeof connect>> | undefined;
  let stateDir = '';
  afterAll(async () => {
    for (const w of host?.workers ?? []) if (w.getState() === 'RUNNING') w.shutdown();
    await running?.catch(() => undefined);
    await host?.close();
    for (const p of procs) p.kill('SIGTERM');
    await Promise.all(procs);
    await embedded?.stop();
    await env?.close();
    // Its state dir too (the test checked it held nothing of either run): it was left in /tmp.
    if (stateDir) await rm(stateDir, { recursive: true, force: true });
  });

  it('neither releases the devices or VM of the other server’s live run', async () => {
    stateDir = await canonicalStateDir(await mkdtemp(join(tmpdir(), 'fsto-shared-')));
    const vars = {
      FSTO_STATE_DIR: stateDir,
      FSTO_KVM_PROBE: 'skip',
      FSTO_REAP_INTERVAL_SEC: String(REAP_SEC),
    };
    Object.assign(process.env, vars);
    env = await connect();
    const queue = uniqueId('fstests-shared');
    procs.push(
      execa(
        FSTO,
        ['worker', '--address', inject('temporalAddress'), '--task-queue', queue, '--metrics', 'off'],
        {
          env: { ...vars, FSTO_LOG_LEVEL: 'WARN' },
          reject: false,
          stdio: 'ignore',
        },
      ),
    );
    const tests = ['fixture/001', 'fixture/003'];
    const clusterRun = await env.client.workflow.start<typeof fstestsRun>('fstestsRun', {
      taskQueue: queue,
      workflowId: uniqueId('cluster-run'),
      args: [fixtureSpec(tests)],
    });
    await untilVm(stateDir, clusterRun.workflowId);
    const clusterLoops = [...(await loopsUnder(stateDir)).keys()];
    expect(clusterLoops).toHaveLength(2);

    // The embedded default starts next to it: its reaper runs at start, then periodically.
    embedded = await ensureDevServer({ port: await freePort(), dir: stateDir, headless: true });
    host = await startHost({
      connection: { address: embedded.address },
      namespace: 'default',
      stateDir,
      log: () => {},
      auditToStderr: false,
      reapIntervalMs: REAP_SEC * 1000,
      workflowBundle: { codePath: inject('workflowBundlePath') },
    });
    running = runWorkers(host.workers);
    expect([...(await loopsUnder(stateDir)).keys()]).toEqual(expect.arrayContaining(clusterLoops));
    expect(await processesMentioning(join(stateDir, 'runs', clusterRun.workflowId))).not.toEqual([]);
    expect(host.reaped.skippedForeignRuns).toEqual([clusterRun.workflowId]);

    const conn = await Connection.connect({ address: embedded.address });
    const embeddedRun = await new Client({ connection: conn }).workflow.start<typeof fstestsRun>(
      'fstestsRun',
      { taskQueue: 'fstests', workflowId: uniqueId('embedded-run'), args: [fixtureSpec(tests)] },
    );
    await untilVm(stateDir, embeddedRun.workflowId);
    // Three of the cluster worker's periodic passes while the embedded run's VM is up.
    await new Promise((r) => setTimeout(r, 3 * REAP_SEC * 1000));
    expect(await processesMentioning(join(stateDir, 'runs', embeddedRun.workflowId))).not.toEqual([]);

    const verdicts = async (h: typeof clusterRun) =>
      Object.fromEntries((await h.result()).tests.map((t) => [t.name, t.verdict]));
    const allPass = { 'fixture/001': 'pass', 'fixture/003': 'pass' };
    expect(await verdicts(clusterRun)).toEqual(allPass);
    expect(await verdicts(embeddedRun)).toEqual(allPass);
    expect(await leftovers(stateDir, clusterRun.workflowId)).toEqual(NOTHING_LEFT);
    expect(await leftovers(stateDir, embeddedRun.workflowId)).toEqual(NOTHING_LEFT);
    await conn.close();
  }, 600_000);
});

async function untilVm(stateDir: string, runKey: string): Promise<void> {
  const end = Date.now() + 300_000;
  for (;;) {
    const names = await readdir(join(stateDir, 'ledger', runKey)).catch(() => [] as string[]);
    if (names.some((n) => n.includes('-vm-'))) return;
    if (Date.now() > end) throw new Error(`${runKey}: no VM within 300 s`);
    await new Promise((r) => setTimeout(r, 250));
  }
}

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.listen(0, '127.0.0.1', () => {
      const port = (s.address() as { port: number }).port;
      s.close(() => resolve(port));
    });
    s.on('error', reject);
  });
}
