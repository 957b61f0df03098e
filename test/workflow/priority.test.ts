import { join } from 'node:path';
import type { WorkflowHandle } from '@temporalio/client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { takeSlot } from '../../activities/host/slots';
import { Ledger } from '../../activities/ledger/ledger';
import { startRun } from '../../client/run/run-start';
import { PRIORITY } from '../../common/priority';
import { RunSpec } from '../../common/schemas';
import { connect, startTestHost, uniqueId, type TestHost } from '../helpers/temporal';

// A shared host's one VM slot is held by another run (in its ledger, as a busy host's is); three
// runs of a night wait for it, then a person starts `fsto run` (the product's startRun). The slot
// is given back. Which claim the host takes first is read from the server's histories: the
// person's, though it was queued last (first in, first out would take it last). Real dev server
// (started with the embedded server's dynamic config), the product's createWorkers with its claim
// gate. The night's runs are started here with the key a night's shards inherit from their cell
// (workflows/matrix.ts gives it to a scheduled night's cells); each ends at its first host step
// (a tree that does not exist), which gives the slot to the next claim.

const spec = (fstests: string) => RunSpec.parse({ fstests, fs: 'xfs' });

describe('task queue priority on a shared host', () => {
  let env: Awaited<ReturnType<typeof connect>>;
  let host: TestHost;
  let ledger: Ledger;
  beforeAll(async () => {
    env = await connect();
    host = await startTestHost(env.native, { vmSlots: 1 }, env.connection, undefined, async (stateDir) => {
      ledger = new Ledger(join(stateDir, 'ledger'));
      expect(await takeSlot({ ledger, stateDir, vmSlots: 1 }, 'someone-else')).toBe('taken');
    });
  });
  afterAll(async () => {
    await host?.stop();
    await env?.close();
  });

  it("a person's run is claimed before the night's runs queued ahead of it", async () => {
    const queue = host.workflowQueue;
    const night: WorkflowHandle[] = [];
    for (let i = 0; i < 3; i++) {
      night.push(
        await env.client.workflow.start('fstestsRun', {
          taskQueue: queue,
          workflowId: uniqueId(`night-${i}`),
          args: [spec(`/nonexistent/night-${i}`)],
          priority: PRIORITY.nightly,
        }),
      );
    }
    const person = await startRun(
      env.client,
      { label: 'xfs', spec: spec('/nonexistent/person') },
      queue,
      uniqueId('person'),
    );
    const all = [...night, person];
    // Every claim is waiting in the queue: the gate polls for none while the slot is held.
    for (;;) {
      const pending = await Promise.all(
        all.map(async (h) => (await h.describe()).raw.pendingActivities ?? []),
      );
      if (pending.every((p) => p.some((a) => a.activityType?.name === 'claimHost'))) break;
      await new Promise((r) => setTimeout(r, 200));
    }
    await new Promise((r) => setTimeout(r, 2_000));
    expect((await person.describe()).raw.pendingActivities?.[0]?.state).toBe(1); // SCHEDULED
    const [held] = (await ledger.list('someone-else')).filter((e) => e.kind === 'slot');
    await ledger.remove(held!);

    await Promise.all(all.map((h) => h.result().catch(() => undefined)));
    const claimedAt = await Promise.all(
      all.map(async (h) => {
        const events = (await h.fetchHistory()).events ?? [];
        const scheduled = events.find(
          (e) => e.activityTaskScheduledEventAttributes?.activityType?.name === 'claimHost',
        );
        const started = events.find(
          (e) =>
            Number(e.activityTaskStartedEventAttributes?.scheduledEventId) === Number(scheduled?.eventId),
        );
        const t = started?.eventTime;
        return Number(t?.seconds) * 1000 + Math.floor((t?.nanos ?? 0) / 1e6);
      }),
    );
    const order = all.map((h, i) => [h.workflowId, claimedAt[i]!] as const).sort((a, b) => a[1] - b[1]);
    console.log(`[priority] claims taken in order: ${order.map(([id]) => id).join(', ')}`);
    expect(order[0]![0]).toBe(person.workflowId);
  }, 120_000);
});
