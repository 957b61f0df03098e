import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { heldSlots } from '../../activities/host/slots';
import { Ledger } from '../../activities/ledger/ledger';
import { serverOwner } from '../../activities/ledger/owner';
import type { fstestsRun } from '../../workflows';
import { startHost } from '../../workers/host';
import { runWorkers } from '../../workers/workers';
import { fixtureSpec } from '../e2e/fixture';
import { connect, startTestHost, uniqueId, type TestHost } from '../helpers/temporal';

// A host that returns after its runs were taken for lost. Two runs of this server are open and
// waiting on the shared claim queue (another host with no free slot serves their workflow
// tasks, no VM anywhere): to the server, neither uses host H any more. H's ledger still holds a
// VM slot of each, as a SIGKILLed host leaves it: one claimed 10 min ago (the run has left H),
// one claimed just now (a claim racing H's reaper). H has two slots: before its reaper it is
// full. The oracle is the server's own account of the runs (pending steps on the claim queue).
describe('a returning host gets back the slots of runs that moved on', () => {
  let env: Awaited<ReturnType<typeof connect>>;
  let other: TestHost;
  const queue = uniqueId('fstests-moved');
  beforeAll(async () => {
    process.env.FSTO_KVM_PROBE = 'skip';
    env = await connect();
    other = await startTestHost(env.native, { vmSlots: 0 }, env.connection, queue);
  });
  afterAll(async () => {
    await other?.stop();
    await env?.close();
  });

  it('releases the moved run’s slot at start, keeps the fresh claim', async () => {
    const start = (name: string) =>
      env.client.workflow.start<typeof fstestsRun>('fstestsRun', {
        taskQueue: queue,
        workflowId: uniqueId(name),
        args: [fixtureSpec(['fixture/001'])],
      });
    const [moved, fresh] = await Promise.all([start('moved'), start('fresh-claim')]);
    for (const h of [moved, fresh]) {
      for (;;) {
        const pending = (await h.describe()).raw.pendingActivities ?? [];
        if (pending.some((a) => a.activityType?.name === 'claimHost')) break;
        await new Promise((r) => setTimeout(r, 200));
      }
    }

    const stateDir = await mkdtemp(join(tmpdir(), 'fsto-state-'));
    const ledger = new Ledger(join(stateDir, 'ledger'));
    const owner = await serverOwner(env.connection, 'default', inject('temporalAddress'));
    for (const [h, claimedAt] of [
      [moved, Date.now() - 600_000],
      [fresh, Date.now()],
    ] as const) {
      await ledger.setOwner(h.workflowId, owner);
      await ledger.record(h.workflowId, 'slot', { vmSlots: 2, claimedAt });
    }
    expect(await heldSlots(ledger)).toBe(2);

    const host = await startHost({
      connection: { address: inject('temporalAddress') },
      namespace: 'default',
      workflowQueue: uniqueId('fstests-h'),
      stateDir,
      hostId: uniqueId('returning'),
      vmSlots: 2,
      workflowBundle: { codePath: inject('workflowBundlePath') },
      log: () => {},
      auditToStderr: false,
    });
    const done = runWorkers(host.workers);
    for (const w of host.workers) w.shutdown();
    await done;
    await host.close();
    expect(host.reaped.movedRuns).toEqual([{ runKey: moved.workflowId, to: queue }]);
    expect(host.reaped.released.map((e) => [e.runKey, e.kind])).toEqual([[moved.workflowId, 'slot']]);
    expect(host.reaped.skippedOpenRuns).toEqual([fresh.workflowId]);
    expect(await ledger.runs()).toEqual([fresh.workflowId]);
    expect(await heldSlots(ledger)).toBe(1);

    await Promise.all([moved.cancel(), fresh.cancel()]);
    await Promise.all([moved, fresh].map((h) => h.result().catch(() => undefined)));
  }, 90_000);
});
