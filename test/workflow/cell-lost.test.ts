import { afterEach, describe, expect, it } from 'vitest';
import { Context } from '@temporalio/activity';
import { progressQuery } from '../../common/queries';
import type { RunSummary } from '../../common/schemas';
import type { fstestsMatrix } from '../../workflows';
import { uniqueId } from '../helpers/temporal';
import {
  cellGuest,
  cellHost,
  expectExactlyOnce,
  names,
  runCell,
  startCellHost,
  stopCellHost,
} from './cell-kit';

// Nothing a matrix did is lost: cancel, failed shards, flaky retries (the kit: cell-kit.ts).

afterEach(stopCellHost);

describe('nothing a matrix did is lost', () => {
  /** Blocks like a long test until its batch is cancelled (the heartbeat brings the cancel). */
  const blockUntilCancelled = async () => {
    for (;;) {
      Context.current().heartbeat();
      await Context.current().sleep(300);
    }
  };
  const releases = async (workflowId: string) => {
    const events = (await cellHost().client.workflow.getHandle(workflowId).fetchHistory()).events ?? [];
    const ids = new Set(
      events
        .filter((e) => e.activityTaskScheduledEventAttributes?.activityType?.name === 'releaseRun')
        .map((e) => Number(e.eventId)),
    );
    return events.filter((e) => ids.has(Number(e.activityTaskCompletedEventAttributes?.scheduledEventId)))
      .length;
  };

  it('cancel: reaches every shard (cancelled, not terminated), each releases, and the matrix reports what each ran', async () => {
    const listing = names(8);
    const ranOne = new Set<number>();
    const host = await startCellHost({
      listing,
      signalProgress: true,
      // Each shard passes its first test, then runs one that does not end.
      beforeTest: async (_t, batch) => {
        const shard = batch.pull!.shard;
        if (ranOne.has(shard)) await blockUntilCancelled();
        ranOne.add(shard);
      },
    });
    const id = uniqueId('matrix-cancel');
    const handle = await host.client.workflow.start<typeof fstestsMatrix>('fstestsMatrix', {
      taskQueue: host.workflowQueue,
      workflowId: id,
      args: [{ fstests: '/f', configs: [{ name: 'xfs', fs: 'xfs' }], tests: listing, shards: 2 }],
    });
    const shardIds = [0, 1].map((s) => `${id}.xfs.k0.s${s}`);
    const end = Date.now() + 60_000;
    for (;;) {
      const done = await Promise.all(
        shardIds.map((s) =>
          cellHost()
            .client.workflow.getHandle(s)
            .query(progressQuery)
            .then((p) => p.done)
            .catch(() => 0),
        ),
      );
      if (done.every((d) => d >= 1)) break;
      if (Date.now() > end) throw new Error(`shards did not each give a verdict: ${done.join(',')}`);
      await new Promise((r) => setTimeout(r, 300));
    }
    await handle.cancel();
    const summary = await handle.result();
    expect(summary.status).toBe('cancelled');
    expect(summary.report).toBe('/runs/matrix-report.html'); // written though cancelled
    const [cell] = summary.runs;
    expect(cell!.status).toBe('cancelled');
    expect(cell!.counts.pass).toBe(2); // each shard's verdict, none lost
    for (const s of shardIds) {
      const h = host.client.workflow.getHandle(s);
      expect((await h.describe()).status.name, s).toBe('COMPLETED'); // not TERMINATED
      const run = (await h.result()) as RunSummary;
      expect([run.status, run.tests.map((t) => t.verdict)], s).toEqual(['cancelled', ['pass']]);
      expect(await releases(s), s).toBe(1); // its cleanup ran to the end
    }
    expect(cell!.shards.map((s) => s.tests)).toEqual([1, 1]);
  }, 120_000);

  it('a shard that fails keeps the verdicts it gave: they are not run again', async () => {
    const listing = names(12);
    const { result, verdicts } = await runCell({
      listing,
      signalProgress: true,
      behave: (t, n) => (t === 't/03' && n === 1 ? 'die' : 'pass'),
    });
    expectExactlyOnce(listing, verdicts);
    const dead = result.shards.find((s) => s.error)!;
    expect(dead.error).toMatch(/t\/03 killed the shard/);
    const before = cellGuest().chunks.find((c) => c.includes('t/03'))!;
    const gave = before.slice(0, before.indexOf('t/03'));
    expect(gave.length).toBeGreaterThan(0); // t/01, t/02 ran in the dead shard before t/03
    for (const t of gave) expect(cellGuest().runs.get(t), t).toBe(1); // never again
    expect(dead.tests).toBe(gave.length);
  }, 120_000);

  it("flaky retries in a sharded cell retry that shard's failures, not new work", async () => {
    const listing = names(6);
    const { result } = await runCell(
      { listing, behave: (t, n) => (t === 't/02' && n === 1 ? 'fail' : 'pass') },
      2,
      { flakyRetries: 1 },
    );
    expect(result.counts).toEqual({ pass: 6 });
    const retries = cellGuest().inputs.filter((i) => i.label.startsWith('retry-'));
    expect(retries.map((i) => [i.pull, i.selection.tests])).toEqual([[undefined, ['t/02']]]);
  }, 120_000);
});
