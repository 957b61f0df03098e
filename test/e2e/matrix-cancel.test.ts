import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openResultsStore } from '../../activities/results/store';
import { loopsUnder } from '../../kit/devices';
import { progressQuery } from '../../common/queries';
import type { MatrixSpecInput, RunSummary } from '../../common/schemas';
import type { fstestsMatrix } from '../../workflows';
import { connect, startTestHost, uniqueId, type TestContext } from '../helpers/temporal';
import { FIXTURE, SMALL_DEVICES } from './fixture';
import { leftovers, NOTHING_LEFT, processesMentioning } from './leaks';

const devices = SMALL_DEVICES;

// `fsto cancel MATRIX` (a cancel request on the matrix workflow) on real guests, loop devices and
// dev server: the cancel reaches every shard, each releases its devices and VM in its cleanup,
// the matrix waits for that and reports what every shard ran; the store has every verdict.
describe('cancelling a matrix', () => {
  const t = {} as TestContext;
  beforeAll(async () => {
    t.env = await connect();
    t.host = await startTestHost(t.env.native, { vmSlots: 2 }, t.env.connection);
  });
  afterAll(async () => {
    await t.host?.stop();
    await t.env?.close();
  });

  it('leaves no loop device or VM once the matrix closed, and keeps every verdict a shard gave', async () => {
    const spec: MatrixSpecInput = {
      name: 'cancel',
      fstests: FIXTURE,
      configs: [{ name: 'xfs', fs: 'xfs', devices }],
      // 006 hangs; its hang timeout is far away: only the cancel ends it. 001 and 003 pass.
      tests: ['fixture/001', 'fixture/003', 'fixture/006'],
      shards: 2,
    };
    const id = uniqueId('e2e-mcancel');
    const handle = await t.env.client.workflow.start<typeof fstestsMatrix>('fstestsMatrix', {
      taskQueue: t.host.workflowQueue,
      workflowId: id,
      args: [spec],
    });
    const shardIds = [0, 1].map((s) => `${id}.xfs.k0.s${s}`);
    // Wait for a verdict; 006 cannot end by itself, so the matrix is still running when cancelled.
    const end = Date.now() + 900_000;
    for (;;) {
      const ps = await Promise.all(
        shardIds.map((s) =>
          t.env.client.workflow
            .getHandle(s)
            .query(progressQuery)
            .catch(() => undefined),
        ),
      );
      const done = ps.reduce((a, p) => a + (p?.done ?? 0), 0);
      if (done >= 1) break;
      if (Date.now() > end) throw new Error('no verdict within 15 min');
      await new Promise((r) => setTimeout(r, 1000));
    }
    await new Promise((r) => setTimeout(r, 10_000)); // the other shard boots, 006 starts
    const t0 = Date.now();
    await handle.cancel();
    const summary = await handle.result();
    const closedSec = (Date.now() - t0) / 1000;
    console.log(`[matrix-cancel] the matrix closed ${closedSec.toFixed(1)} s after the cancel request`);
    // Nothing left the moment it closed: loops, mounts, VMs, ledger entries.
    expect([...(await loopsUnder(t.host.stateDir)).keys()]).toEqual([]);
    expect(await processesMentioning(join(t.host.stateDir, 'runs'))).toEqual([]);
    for (const s of shardIds) expect(await leftovers(t.host.stateDir, s), s).toEqual(NOTHING_LEFT);

    expect(summary.status).toBe('cancelled');
    const [cell] = summary.runs;
    expect(cell!.status).toBe('cancelled');
    // The cancel reached every shard still running (cancelled, not terminated), and each kept its
    // verdicts, in its summary and in the store. A shard may have run out of tests before the cancel
    // came (the cell hands 001 and 003 to either shard): then it passed on its own, with a verdict
    // for each test it was handed, and only 006's shard was still running.
    const store = openResultsStore(join(t.host.stateDir, 'results.sqlite'));
    const given: [string, string][] = [];
    const cancelled: string[] = [];
    for (const s of shardIds) {
      const h = t.env.client.workflow.getHandle(s);
      const d = await h.describe();
      expect(d.status.name, s).toBe('COMPLETED'); // not TERMINATED, not failed
      const run = (await h.result()) as RunSummary;
      for (const x of run.tests) given.push([x.name, x.verdict]);
      expect((await store.runRows(s)).map((r) => [r.test, r.verdict]).sort(), s).toEqual(
        run.tests.map((x) => [x.name, x.verdict]).sort(),
      );
      if (run.status === 'cancelled') cancelled.push(s);
      else {
        expect(run.status, s).toBe('passed');
        expect(run.tests.length, s).toBeGreaterThan(0);
        expect(
          run.tests.every((x) => x.verdict === 'pass'),
          s,
        ).toBe(true);
      }
    }
    // 006 never ends by itself: its shard was running when the cancel came, and was cancelled.
    expect(cancelled.length).toBeGreaterThanOrEqual(1);
    // Every test but 006 got its verdict from a shard that finished, or from one cut short.
    const passedShards = shardIds.filter((s) => !cancelled.includes(s));
    console.log(
      `[matrix-cancel] cancelled: ${cancelled.join(' ')}; finished before the cancel: ${passedShards.join(' ') || '-'}`,
    );
    expect(given.filter(([, v]) => v === 'pass').map(([n]) => n)).toContain('fixture/001');
    expect(given.some(([n]) => n === 'fixture/006')).toBe(false); // cut short: no verdict
    expect(cell!.counts.pass).toBe(given.filter(([, v]) => v === 'pass').length);
    // `fsto runs --matrix ID` reads these rows.
    const rows = await store.matrixRows(id);
    expect(rows.map((r) => [r.test, r.verdict]).sort()).toEqual(given.sort());
  }, 1_200_000);
});
