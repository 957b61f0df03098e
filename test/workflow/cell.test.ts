import { afterEach, describe, expect, it } from 'vitest';
import { SA_OUTCOME } from '../../common/search-attributes';
import type { fstestsMatrix } from '../../workflows';
import { PANIC } from '../helpers/scripted-host';
import { uniqueId } from '../helpers/temporal';
import { cellGuest, expectExactlyOnce, names, runCell, startCellHost, stopCellHost } from './cell-kit';

// Pull accounting with the real cell, run and matrix workflows (the kit: cell-kit.ts).

afterEach(stopCellHost);

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
    const crashed = cellGuest().chunks.find((c) => c.includes('t/05'))!;
    const after = crashed.slice(crashed.indexOf('t/05') + 1);
    expect(after.length).toBeGreaterThan(0);
    expect(
      cellGuest()
        .chunks.slice(cellGuest().chunks.indexOf(crashed) + 1)
        .flat(),
    ).toEqual(expect.arrayContaining(after));
    expect([...cellGuest().runs.values()].every((n) => n === 1)).toBe(true);
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
    const first = cellGuest().chunks.findIndex((c) => c.includes('t/02'));
    const again = cellGuest().chunks.findIndex((c, i) => i > first && c.includes('t/02'));
    expect(cellGuest().chunks[again]).toEqual(cellGuest().chunks[first]); // the same chunk, resumed
    expect(cellGuest().runs.get('t/02')).toBe(2);
  }, 120_000);
});

describe('fstestsMatrix over cells', () => {
  it('merges each cell into counts, failing tests and pointers; the matrix takes no Updates', async () => {
    const listing = names(30);
    const host = await startCellHost({ listing, behave: (t) => (t === 't/07' ? 'fail' : 'pass') });
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
    const host = await startCellHost({
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
