import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { WorkflowHandle } from '@temporalio/client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { inject } from 'vitest';
import { Ledger } from '../../activities/ledger/ledger';
import type { fstestsRun } from '../../workflows';
import { startHost, type Host } from '../../workers/host';
import { promote } from '../../workers/promote';
import { runWorkers } from '../../workers/workers';
import { fixtureSpec } from '../e2e/fixture';
import { connect, uniqueId } from '../helpers/temporal';

// A rolling upgrade on the real dev server, without VMs: each host has one VM slot, held by a
// run of another server (its reaper may not touch it), so runs stay in 'claiming' with their
// first workflow tasks done. Build A starts a run; A stops; build B starts (not current: A is),
// is promoted, takes a new run; the pinned run gets no workflow task from B (its cancellation
// waits) until a build A worker is back. The oracle is the server: each run's versioning info
// and the deployment version recorded on its workflow task completions.
describe('worker versioning: a run stays on the build that started it', () => {
  const queue = uniqueId('fstests-versioning');
  const buildA = uniqueId('build-a');
  const buildB = uniqueId('build-b');
  let env: Awaited<ReturnType<typeof connect>>;
  const running: { host: Host; done: Promise<void> }[] = [];

  async function start(
    buildId: string,
    versioning: 'on' | 'default' = 'on',
  ): Promise<{ host: Host; done: Promise<void> }> {
    const stateDir = await mkdtemp(join(tmpdir(), 'fsto-state-'));
    const foreign = { clusterId: 'another-server', namespace: 'default' };
    const ledger = new Ledger(join(stateDir, 'ledger'));
    await ledger.setOwner('busy-elsewhere', foreign);
    await ledger.record('busy-elsewhere', 'slot', { vmSlots: 1 });
    const host = await startHost({
      connection: { address: inject('temporalAddress') },
      namespace: 'default',
      workflowQueue: queue,
      stateDir,
      hostId: uniqueId(`host-${buildId}`),
      vmSlots: 1,
      workflowBundle: { codePath: inject('workflowBundlePath') },
      buildId,
      ...(versioning === 'on' ? { versioning } : {}),
      log: () => {},
      auditToStderr: false,
    });
    const h = { host, done: runWorkers(host.workers) };
    running.push(h);
    return h;
  }
  async function stop(h: { host: Host; done: Promise<void> }) {
    for (const w of h.host.workers) if (w.getState() === 'RUNNING') w.shutdown();
    await h.done;
    await h.host.close();
    running.splice(running.indexOf(h), 1);
  }
  const versionOf = async (h: WorkflowHandle) => {
    const info = (await h.describe()).raw.workflowExecutionInfo?.versioningInfo;
    return { buildId: info?.deploymentVersion?.buildId ?? '', behavior: info?.behavior ?? 0 };
  };
  const until = async (what: () => Promise<boolean>, ms: number) => {
    for (const end = Date.now() + ms; Date.now() < end; await new Promise((r) => setTimeout(r, 250)))
      if (await what()) return;
    throw new Error('timed out');
  };
  const completedBy = async (h: WorkflowHandle) =>
    ((await h.fetchHistory()).events ?? [])
      .map((e) => e.workflowTaskCompletedEventAttributes?.deploymentVersion?.buildId)
      .filter((b): b is string => Boolean(b));

  beforeAll(async () => {
    process.env.FSTO_KVM_PROBE = 'skip';
    env = await connect();
  });
  afterAll(async () => {
    for (const h of [...running]) await stop(h);
    await env?.close();
  });

  it('pinned to A through B becoming current; new runs on B', async () => {
    const a = await start(buildA);
    // The first worker of a deployment makes itself current: no step for a new cluster.
    expect(await a.host.promoted).toEqual({ current: buildA, changed: true });
    const r1 = await env.client.workflow.start<typeof fstestsRun>('fstestsRun', {
      taskQueue: queue,
      workflowId: uniqueId('versioning-r1'),
      args: [fixtureSpec(['fixture/001'])],
    });
    await until(async () => (await versionOf(r1)).buildId === buildA, 20_000);
    expect((await versionOf(r1)).behavior).toBe(1); // VERSIONING_BEHAVIOR_PINNED
    await stop(a);

    const b = await start(buildB);
    // A later build does not take over by itself: A stays current until promoted.
    expect(await b.host.promoted).toEqual({ current: buildA, changed: false });
    const promoted = await promote(env.connection.workflowService, 'default', b.host.version!, 'always');
    expect(promoted).toEqual({ current: buildB, changed: true });

    const r2 = await env.client.workflow.start<typeof fstestsRun>('fstestsRun', {
      taskQueue: queue,
      workflowId: uniqueId('versioning-r2'),
      args: [fixtureSpec(['fixture/001'])],
    });
    await until(async () => (await versionOf(r2)).buildId === buildB, 20_000);
    expect(await completedBy(r2)).toEqual([buildB]);

    // The pinned run's next workflow task (its cancellation) is not B's to take.
    await r1.cancel();
    await new Promise((r) => setTimeout(r, 8_000));
    expect((await r1.describe()).status.name).toBe('RUNNING');
    expect(await completedBy(r1)).toEqual([buildA]);

    // A build A worker back: the run goes on (here: is cancelled) on A.
    await start(buildA);
    await expect(r1.result()).rejects.toThrow();
    expect((await r1.describe()).status.name).toBe('CANCELLED');
    expect(new Set(await completedBy(r1))).toEqual(new Set([buildA]));
    await r2.cancel();
    await expect(r2.result()).rejects.toThrow();
    expect(new Set(await completedBy(r2))).toEqual(new Set([buildB]));
  }, 120_000);

  it("auto: a dev server's worker (embedded, fsto up) is unversioned: nothing to promote", async () => {
    delete process.env.FSTO_VERSIONING;
    const h = await start(uniqueId('build-dev'), 'default');
    expect(h.host.version).toBeUndefined();
    expect(await h.host.promoted).toBeUndefined();
    await stop(h);
  });
});
