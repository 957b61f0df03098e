import { afterEach, describe, expect, it } from 'vitest';
import { Context } from '@temporalio/activity';
import { progressQuery } from '../../common/queries';
import type { CellInput, MatrixRunResult, RunSpecInput, RunSummary } from '../../common/schemas';
import type { fstestsCell, fstestsMatrix } from '../../workflows';
import {
  PANIC,
  scriptedBatch,
  startScriptedHost,
  type ScriptedBatch,
  type ScriptedHost,
  type Script,
} from '../helpers/scripted-host';
import { uniqueId } from '../helpers/temporal';
import { SA_OUTCOME } from '../../common/search-attributes';

// Pull accounting with the real cell, run and matrix workflows on the real dev server; the
// batch is the real pull loop with the guest replaced by a script (scripted-host.ts), so crashes,
// dead shards and dead workers play out in seconds. The oracle: the listing, and how many
// times each test ran in a guest, against every verdict the shards' own results hold.

const names = (n: number, dir = 't') =>
  Array.from({ length: n }, (_, i) => `${dir}/${String(i + 1).padStart(2, '0')}`);

let host: ScriptedHost | undefined;
let guest: ScriptedBatch;
afterEach(async () => {
  await host?.stop();
  host = undefined;
});

async function startCellHost(script: Script): Promise<ScriptedHost> {
  guest = scriptedBatch(script);
  return (host = await startScriptedHost(guest.run));
}

async function runCell(
  script: Script,
  shards = 2,
  over: Partial<RunSpecInput> = {},
): Promise<{ result: MatrixRunResult; verdicts: Map<string, string[]> }> {
  host = await startCellHost(script);
  const id = uniqueId('cell');
  const input: CellInput = {
    matrixId: 'm-test',
    key: 'xfs.k0',
    config: 'xfs',
    kernel: 'host-newest',
    spec: { fstests: '/f', fs: 'xfs', tests: script.listing, ...over },
    shards,
    failingCap: 50,
  };
  const result = await host.client.workflow.execute<typeof fstestsCell>('fstestsCell', {
    taskQueue: host.workflowQueue,
    workflowId: id,
    args: [input],
  });
  // Every verdict: the shards' results (those that ended with one) and the cell's own.
  const verdicts = new Map<string, string[]>();
  const add = (name: string, v: string) => verdicts.set(name, [...(verdicts.get(name) ?? []), v]);
  for (const s of result.shards) {
    const summary = (await host.client.workflow
      .getHandle(s.workflowId)
      .result()
      .catch(() => undefined)) as RunSummary | undefined;
    for (const t of summary?.tests ?? []) add(t.name, t.verdict);
  }
  for (const f of result.failing) if (f.workflowId === id) add(f.name, f.verdict);
  return { result, verdicts };
}

/** Each listed test has exactly one verdict, and nothing else has one. */
function expectExactlyOnce(listing: string[], verdicts: Map<string, string[]>): void {
  expect([...verdicts.keys()].sort()).toEqual([...listing].sort());
  const twice = [...verdicts].filter(([, v]) => v.length !== 1);
  expect(twice).toEqual([]);
}

describe('fstestsCell pull accounting', () => {
  it('hands out chunks; a crash mid-chunk gives the rest back, and each test runs once', async () => {
    const listing = names(40);
    const expectedSec = Object.fromEntries(listing.map((t, i) => [t, 40 - i]));
    const { result, verdicts } = await runCell({
      listing,
      expectedSec,
      behave: (t, n) => (t === 't/05' && n === 1 ? 'crash' : 'pass'),
    });
    expectExactlyOnce(listing, verdicts);
    expect(verdicts.get('t/05')).toEqual(['crashed']);
    expect(result.counts).toEqual({ pass: 39, crashed: 1 });
    expect(result.failing).toEqual([
      expect.objectContaining({
        name: 't/05',
        verdict: 'crashed',
        signature: PANIC,
      }),
    ]);
    // The chunk that crashed had tests after t/05: they got no verdict there, were given back, and
    // ran (once) in a later chunk. No test ran twice.
    const crashed = guest.chunks.find((c) => c.includes('t/05'))!;
    const after = crashed.slice(crashed.indexOf('t/05') + 1);
    expect(after.length).toBeGreaterThan(0);
    expect(guest.chunks.slice(guest.chunks.indexOf(crashed) + 1).flat()).toEqual(
      expect.arrayContaining(after),
    );
    expect([...guest.runs.values()].every((n) => n === 1)).toBe(true);
    // Chunks, not one hand-out per test.
    expect(result.handOuts).toBeLessThan(20);
    expect([result.listed, result.tests]).toEqual([40, 40]);
  }, 120_000);

  it('a shard whose run dies mid-chunk: its tests go to the live shard', async () => {
    const listing = names(12);
    const { result, verdicts } = await runCell({
      listing,
      behave: (t, n) => (t === 't/03' && n === 1 ? 'die' : 'pass'),
    });
    expectExactlyOnce(listing, verdicts);
    expect(verdicts.get('t/03')).toEqual(['pass']); // ran again, on the other shard
    expect(result.counts).toEqual({ pass: 12 });
    const dead = result.shards.filter((s) => s.error);
    expect(dead).toHaveLength(1);
    expect(dead[0]!.error).toMatch(/t\/03 killed the shard/);
    expect(result.status).toBe('error'); // a shard's run failed, though every test has a verdict
  }, 120_000);

  it('when no shard is left, what they held ends as error, naming the shard', async () => {
    const listing = names(8);
    const { result, verdicts } = await runCell({ listing, behave: (t) => (t === 't/03' ? 'die' : 'pass') });
    expectExactlyOnce(listing, verdicts);
    expect(result.shards.every((s) => s.error)).toBe(true);
    expect(result.counts).toEqual({ error: 8 });
    const t03 = result.failing.find((f) => f.name === 't/03')!;
    expect(t03).toMatchObject({
      verdict: 'error',
      signature: expect.stringMatching(
        /^handed to shard [01] \(.+\.s[01]\), which ended without a verdict$/,
      ) as unknown,
    });
  }, 120_000);

  it('a worker that dies mid-chunk: the retried batch resumes the same chunk', async () => {
    const listing = names(10);
    const { result, verdicts } = await runCell({
      listing,
      behave: (t) => (t === 't/02' ? 'worker-dies' : 'pass'),
    });
    expectExactlyOnce(listing, verdicts);
    expect(result.counts).toEqual({ pass: 10 });
    const first = guest.chunks.findIndex((c) => c.includes('t/02'));
    const again = guest.chunks.findIndex((c, i) => i > first && c.includes('t/02'));
    expect(guest.chunks[again]).toEqual(guest.chunks[first]); // the same chunk, resumed
    expect(guest.runs.get('t/02')).toBe(2);
  }, 120_000);
});

describe('fstestsMatrix over cells', () => {
  it('merges each cell into counts, failing tests and pointers; the matrix takes no Updates', async () => {
    const listing = names(30);
    host = await startCellHost({ listing, behave: (t) => (t === 't/07' ? 'fail' : 'pass') });
    const id = uniqueId('matrix');
    const summary = await host.client.workflow.execute<typeof fstestsMatrix>('fstestsMatrix', {
      taskQueue: host.workflowQueue,
      workflowId: id,
      args: [
        {
          fstests: '/f',
          configs: [
            { name: 'xfs', fs: 'xfs' },
            { name: 'ext4', fs: 'ext4' },
          ],
          tests: listing,
          shards: 3,
        },
      ],
    });
    expect(summary.status).toBe('failed');
    expect(summary.report).toBe('/runs/matrix-report.html');
    expect(summary.runs.map((r) => [r.workflowId, r.status, r.counts, r.failing.map((f) => f.name)])).toEqual(
      [
        [`${id}.xfs.k0`, 'failed', { pass: 29, fail: 1 }, ['t/07']],
        [`${id}.ext4.k0`, 'failed', { pass: 29, fail: 1 }, ['t/07']],
      ],
    );
    for (const r of summary.runs) {
      expect(r.shards.map((s) => s.workflowId)).toEqual([0, 1, 2].map((s) => `${r.workflowId}.s${s}`));
      expect(r.shards.reduce((a, s) => a + s.tests, 0)).toBe(30);
    }
    const events = (await host.client.workflow.getHandle(id).fetchHistory()).events ?? [];
    expect(events.filter((e) => e.workflowExecutionUpdateAcceptedEventAttributes)).toHaveLength(0);
    expect(events.length).toBeLessThan(60);
  }, 120_000);

  it('a cell whose shards all failed is said loudly: summary errors and FstoOutcome=error', async () => {
    const listing = names(6);
    // ext4's shards all die (as a Schedule's did on its run keys); xfs has a plain failure.
    host = await startCellHost({
      listing,
      behave: (t, _n, batch) => (batch.fs === 'ext4' ? 'die' : t === 't/02' ? 'fail' : 'pass'),
    });
    const id = uniqueId('matrix');
    const handle = await host.client.workflow.start<typeof fstestsMatrix>('fstestsMatrix', {
      taskQueue: host.workflowQueue,
      workflowId: id,
      args: [
        {
          fstests: '/f',
          configs: [
            { name: 'xfs', fs: 'xfs' },
            { name: 'ext4', fs: 'ext4' },
          ],
          tests: listing,
          shards: 2,
        },
      ],
    });
    const summary = await handle.result();
    expect(summary.runs.map((r) => r.status)).toEqual(['failed', 'error']);
    expect(summary.runs[1]!.counts).toEqual({ error: 6 });
    expect(summary.errors).toEqual([
      expect.stringMatching(/^ext4 × .*: 6 of 6 tests in error — .*killed the shard/),
    ]);
    const desc = await handle.describe();
    expect(desc.typedSearchAttributes.get(SA_OUTCOME)).toBe('error');
  }, 120_000);
});

describe('nothing a matrix did is lost', () => {
  /** Blocks like a long test until its batch is cancelled (the heartbeat brings the cancel). */
  const blockUntilCancelled = async () => {
    for (;;) {
      Context.current().heartbeat();
      await Context.current().sleep(300);
    }
  };
  const releases = async (workflowId: string) => {
    const events = (await host!.client.workflow.getHandle(workflowId).fetchHistory()).events ?? [];
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
    host = await startCellHost({
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
          host!.client.workflow
            .getHandle(s)
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
    const before = guest.chunks.find((c) => c.includes('t/03'))!;
    const gave = before.slice(0, before.indexOf('t/03'));
    expect(gave.length).toBeGreaterThan(0); // t/01, t/02 ran in the dead shard before t/03
    for (const t of gave) expect(guest.runs.get(t), t).toBe(1); // never again
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
    const retries = guest.inputs.filter((i) => i.label.startsWith('retry-'));
    expect(retries.map((i) => [i.pull, i.selection.tests])).toEqual([[undefined, ['t/02']]]);
  }, 120_000);
});

describe('the cell Update budget', () => {
  /** One 16-shard cell whose t/01 takes `tailSec`: the other shards wait the tail out. */
  async function cellUpdates(tailSec: number) {
    const listing = names(20);
    const { result } = await runCell(
      {
        listing,
        beforeTest: async (t) => {
          if (t !== 't/01') return;
          for (const end = Date.now() + tailSec * 1000; Date.now() < end; ) {
            Context.current().heartbeat();
            await new Promise((r) => setTimeout(r, 500));
          }
        },
      },
      16,
    );
    expect([result.listed, result.tests, result.counts]).toEqual([20, 20, { pass: 20 }]);
    const events = (await host!.client.workflow.getHandle(result.workflowId).fetchHistory()).events ?? [];
    return {
      updates: events.filter((e) => e.workflowExecutionUpdateAcceptedEventAttributes).length,
      events: events.length,
      handOuts: result.handOuts ?? 0,
    };
  }

  it('grows with hand-outs, not with how long the shards wait (16 shards, a long tail)', async () => {
    const short = await cellUpdates(2);
    await host?.stop();
    const long = await cellUpdates(32);
    console.log(`[update budget] tail 2 s: ${JSON.stringify(short)}; tail 32 s: ${JSON.stringify(long)}`);
    // Each shard: a resume pull, its hand-outs, its last pull, the listing; nothing per wait.
    for (const x of [short, long]) expect(x.updates).toBeLessThanOrEqual(x.handOuts + 2 * 16 + 2);
    expect(long.updates - long.handOuts).toBeLessThanOrEqual(short.updates - short.handOuts + 2);
  }, 900_000);
});
