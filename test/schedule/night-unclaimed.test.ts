import { createServer } from 'node:http';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { WorkflowHandle } from '@temporalio/client';
import { Worker } from '@temporalio/worker';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { heldSlots, takeSlot } from '../../activities/host/slots';
import { Ledger } from '../../activities/ledger/ledger';
import { notifyNight } from '../../activities/results/notify';
import { quickQueue } from '../../common/queues';
import type { MatrixSpecInput, MatrixSummary } from '../../common/schemas';
import { FIXTURE, maybeRecord, SMALL_DEVICES } from '../e2e/fixture';
import { captureConsole } from '../helpers/console';
import { fstoSchedule } from '../helpers/schedule-cli';
import { connect, startTestHost, uniqueId, type TestHost } from '../helpers/temporal';

// Nights no host takes, on the real dev server with the real matrix, cell and run workflows:
// 1. nobody refuses the claim and nobody takes it (no worker polls the claim queue): the shards'
//    claimWithinSec ends them unclaimed, the matrix completes, the webhook says no test ran;
// 2. the only host (the product's createWorkers) has every VM slot held in its ledger, so its
//    claim gate admits nothing on the matrix's queue (or the one claim it admitted waits for a
//    slot): the shards end unclaimed, and the notification, which must not wait behind that gate
//    (it has a queue of its own), reaches the webhook all the same.
// The oracle is a local HTTP listener: what it received, and how long after the start.

const address = inject('temporalAddress');
captureConsole();
const WITHIN_SEC = 2;
const BOUND_MS = 30_000;

const fsto = (...args: string[]) => fstoSchedule(address, ...args);

type Hook = Record<string, unknown>;

/** A local webhook: every POST's JSON body, and a wait for the next one (bounded). */
function listener() {
  const hooks: Hook[] = [];
  const waiters: (() => void)[] = [];
  const server = createServer((req, res) => {
    let body = '';
    req.on('data', (c: Buffer) => (body += c.toString()));
    req.on('end', () => {
      hooks.push(JSON.parse(body) as Hook);
      res.writeHead(204).end();
      waiters.splice(0).forEach((w) => w());
    });
  });
  return {
    hooks,
    server,
    url: () => `http://127.0.0.1:${(server.address() as AddressInfo).port}/night`,
    /** The first hook, or undefined when none came within ms. */
    first: async (ms: number): Promise<Hook | undefined> => {
      if (!hooks.length) {
        let timer: NodeJS.Timeout | undefined;
        await new Promise<void>((r) => {
          waiters.push(r);
          timer = setTimeout(r, ms);
        });
        clearTimeout(timer);
      }
      return hooks[0];
    },
  };
}

const specOf = (webhook: string, shards: number): MatrixSpecInput => ({
  fstests: FIXTURE,
  configs: [{ name: 'a', fs: 'xfs', devices: SMALL_DEVICES }],
  tests: ['fixture/001'],
  shards,
  claimWithinSec: WITHIN_SEC,
  notify: { webhook },
});

const unclaimed = new RegExp(`unclaimed: no host took this shard within ${WITHIN_SEC} s`);

describe('a night whose claim no host takes', () => {
  let env: Awaited<ReturnType<typeof connect>>;
  const open: WorkflowHandle[] = [];
  beforeAll(async () => {
    env = await connect();
  });
  afterAll(async () => {
    // On the old code the nights never end: do not leave them to the server.
    for (const h of open) await h.terminate('test over').catch(() => undefined);
    await env?.close();
  });

  describe('nobody refuses it, nobody takes it (a scheduled night)', () => {
    const hook = listener();
    const name = uniqueId('unclaimed');
    const queue = uniqueId('fstests-unclaimed');
    const workers: Worker[] = [];
    const running: Promise<void>[] = [];
    let specDir: string | undefined;
    beforeAll(async () => {
      await new Promise<void>((r) => hook.server.listen(0, '127.0.0.1', r));
      // The matrix's queue runs workflows only: nobody polls its claims. The notify queue has
      // the product's notifyNight.
      workers.push(
        await Worker.create({
          connection: env.native,
          taskQueue: queue,
          workflowBundle: { codePath: inject('workflowBundlePath') },
        }),
        await Worker.create({
          connection: env.native,
          taskQueue: quickQueue(queue),
          activities: { notifyNight },
        }),
      );
      running.push(...workers.map((w) => w.run()));
    });
    afterAll(async () => {
      await env?.client.schedule
        .getHandle(name)
        .delete()
        .catch(() => undefined);
      for (const w of workers) if (w.getState() === 'RUNNING') w.shutdown();
      await Promise.all(running);
      hook.server.close();
      if (specDir) await rm(specDir, { recursive: true, force: true });
    });

    it('ends its shards unclaimed within claimWithinSec and posts the webhook: no test ran', async () => {
      specDir = await mkdtemp(join(tmpdir(), 'fsto-unclaimed-'));
      const specPath = join(specDir, 'nightly.json');
      await writeFile(specPath, JSON.stringify(specOf(hook.url(), 2)));
      expect(
        await fsto('create', name, '--cron', '0 3 1 1 *', '--spec', specPath, '--task-queue', queue),
      ).toBe(0);
      // The spec's own claimWithinSec goes into the night, not the schedule's default.
      const schedule = env.client.schedule.getHandle(name);
      const action = (await schedule.describe()).action;
      expect((action.args?.[0] as { claimWithinSec?: number }).claimWithinSec).toBe(WITHIN_SEC);

      const t0 = Date.now();
      expect(await fsto('trigger', name)).toBe(0);
      let id: string | undefined;
      for (let i = 0; i < 120 && !id; i++) {
        id = (await schedule.describe()).info.recentActions[0]?.action.workflow.workflowId;
        if (!id) await new Promise((r) => setTimeout(r, 250));
      }
      open.push(env.client.workflow.getHandle(id!));
      const got = await hook.first(BOUND_MS);
      const ms = Date.now() - t0;
      expect(got, `no webhook within ${BOUND_MS / 1000} s of the trigger`).toBeDefined();
      expect(got).toMatchObject({ matrix: id, ran: 0, noTestRan: true });
      expect((got!.errors as string[]).join('\n')).toMatch(unclaimed);
      console.info(`[unclaimed] webhook ${ms} ms after the trigger (claimWithinSec ${WITHIN_SEC})`);

      const night = (await open[0]!.result()) as MatrixSummary;
      expect(night.runs).toHaveLength(1);
      const cell = night.runs[0]!;
      expect([cell.status, cell.tests, cell.hostId || undefined]).toEqual(['error', 0, undefined]);
      expect(cell.shards).toHaveLength(2);
      for (const s of cell.shards) {
        expect(s).toMatchObject({ tests: 0, status: 'error', hostId: '', failure: 'infrastructure' });
        expect(s.error).toMatch(unclaimed);
      }
    }, 60_000);
  });

  // Held before the host starts: the gate admits no claim (it is never started). Taken just after:
  // the gate had admitted a poll already, so the claim starts and waits inside for a slot — and
  // gives up at the same deadline, holding nothing.
  describe.each([
    { when: 'before the host starts: its claim gate admits nothing', before: true },
    { when: 'after a poll was admitted: the claim starts and waits for a slot', before: false },
  ])('every VM slot of the only host held $when', ({ before }) => {
    const hook = listener();
    let host: TestHost | undefined;
    const hold = (stateDir: string) =>
      takeSlot({ ledger: new Ledger(join(stateDir, 'ledger')), stateDir, vmSlots: 1 }, 'another-run');
    beforeAll(async () => {
      await new Promise<void>((r) => hook.server.listen(0, '127.0.0.1', r));
      // The product's worker set (createWorkers): claim gate, notify queue, host queue.
      host = await startTestHost(env.native, { vmSlots: 1 }, env.connection, undefined, async (dir) => {
        if (before) expect(await hold(dir)).toBe('taken');
      });
      if (!before) {
        await new Promise((r) => setTimeout(r, 1_500)); // the gate admits a poll while the slot is free
        expect(await hold(host.stateDir)).toBe('taken');
      }
    });
    afterAll(async () => {
      await host?.stop();
      hook.server.close();
      if (host) await rm(host.stateDir, { recursive: true, force: true });
    });

    it('ends the night unclaimed and still posts the webhook, from the ungated notify queue', async () => {
      const t0 = Date.now();
      const handle = await env.client.workflow.start('fstestsMatrix', {
        taskQueue: host!.workflowQueue,
        workflowId: uniqueId('fsto-matrix-busy'),
        args: [specOf(hook.url(), 1)],
      });
      open.push(handle);
      const got = await hook.first(BOUND_MS);
      const ms = Date.now() - t0;
      expect(got, `no webhook within ${BOUND_MS / 1000} s of the start`).toBeDefined();
      expect(got).toMatchObject({ matrix: handle.workflowId, ran: 0, noTestRan: true });
      expect((got!.errors as string[]).join('\n')).toMatch(unclaimed);
      console.info(
        `[unclaimed] busy host (${before ? 'gate shut' : 'claim waiting'}): webhook ${ms} ms after the start`,
      );

      const night = (await handle.result()) as MatrixSummary;
      const shard = night.runs[0]!.shards[0]!;
      expect(shard).toMatchObject({ tests: 0, hostId: '', failure: 'infrastructure' });
      // Which way it went: never started (gate shut), or started and gave up waiting for the slot.
      expect(/still held/.test(shard.error ?? '')).toBe(!before);
      // The one slot is still the other run's: the night took none, and holds none.
      const ledger = new Ledger(join(host!.stateDir, 'ledger'));
      expect(await heldSlots(ledger)).toBe(1);
      expect((await ledger.list('another-run')).map((e) => e.kind)).toEqual(['slot']);
      // For the replay tests (FSTO_RECORD_HISTORIES=1): the ungated notify, both unclaimed ways.
      if (before) await maybeRecord(handle, 'matrix-unclaimed-night');
      const shardRun = env.client.workflow.getHandle(shard.workflowId);
      await maybeRecord(shardRun, before ? 'run-unclaimed-gate-shut' : 'run-unclaimed-claim-waiting');
    }, 60_000);
  });
});
