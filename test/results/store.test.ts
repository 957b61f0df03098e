import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { compareStored, defaultBaseline, loadSide } from '../../activities/results/baseline';
import { withFileLock } from '../../activities/file-lock';
import { openResultsStore, type ResultsStore } from '../../activities/results/store';
import { run } from '../../activities/process';
import { pgInstalled, throwawayDb } from '../../kit/pg-db';
import type { RunSummary, TestResult, Verdict } from '../../common/schemas';

let dir: string;

const summary = (id: string, v: Record<string, Verdict>, extra: Partial<TestResult> = {}): RunSummary => ({
  workflowId: id,
  status: Object.values(v).includes('fail') ? 'failed' : 'passed',
  resultsDir: `/var/lib/fsto/runs/${id}/results`,
  hostId: 'host-a',
  kernelRelease: '6.1.0-26-amd64',
  tests: Object.entries(v).map(([name, verdict]) => ({ name, verdict, durationSec: 2.5, ...extra })),
});

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'fsto-store-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

/** Three nights of xfs and one of ext4; night 3 has generic/002 go from pass to fail. */
async function seed(store: ResultsStore): Promise<void> {
  // Three nights of xfs and one of ext4; night 3 has generic/002 go from pass to fail.
  await store.recordRun(
    summary('n1-xfs', { 'generic/001': 'pass', 'generic/002': 'pass', 'generic/003': 'fail' }),
    {
      fsConfig: 'xfs',
      host: 'host-a',
      fstestsVersion: 'v2025.01.01',
      matrixId: 'night-1',
      finishedAt: '2025-01-01T02:00:00.000Z',
    },
  );
  await store.recordRun(summary('n1-ext4', { 'generic/001': 'pass' }), {
    fsConfig: 'ext4',
    host: 'host-a',
    matrixId: 'night-1',
    finishedAt: '2025-01-01T02:10:00.000Z',
  });
  await store.recordRun(
    summary('n2-xfs', { 'generic/001': 'pass', 'generic/002': 'pass', 'generic/003': 'fail' }),
    {
      fsConfig: 'xfs',
      host: 'host-a',
      matrixId: 'night-2',
      finishedAt: '2025-01-02T02:00:00.000Z',
    },
  );
  await store.recordRun(
    summary('n3-xfs', { 'generic/001': 'pass', 'generic/002': 'fail', 'generic/003': 'fail' }),
    {
      fsConfig: 'xfs',
      host: 'host-b',
      matrixId: 'night-3',
      finishedAt: '2025-01-03T02:00:00.000Z',
    },
  );
}

// The same contract for both backends: the embedded SQLite file and PostgreSQL (a throwaway
// database on this host's real PostgreSQL server).
const drops: (() => Promise<void>)[] = [];
const pgDb = async () => {
  const db = await throwawayDb();
  drops.push(db.drop);
  return db.url;
};
afterAll(async () => {
  for (const d of drops) await d();
});
const backends: [string, () => Promise<ResultsStore>][] = [
  ['SQLite file, no server', async () => openResultsStore(join(dir, 'results.sqlite'))],
  // Without PostgreSQL on the host (apt-get install postgresql) only the SQLite backend runs.
  ...(pgInstalled
    ? [['PostgreSQL', async () => openResultsStore(await pgDb())] as [string, () => Promise<ResultsStore>]]
    : []),
];

describe.each(backends)('results store (%s)', (_name, open) => {
  let store: ResultsStore;
  beforeAll(async () => {
    store = await open();
    await seed(store);
  });

  it('keeps every result as a row with the run facts', async () => {
    const rows = await store.runRows('n1-xfs');
    expect(rows).toHaveLength(3);
    expect(rows[0]).toEqual({
      workflowId: 'n1-xfs',
      matrixId: 'night-1',
      finishedAt: '2025-01-01T02:00:00.000Z',
      config: 'xfs',
      test: 'generic/001',
      verdict: 'pass',
      durationSec: 2.5,
      kernelRelease: '6.1.0-26-amd64',
      fstestsVersion: 'v2025.01.01',
      host: 'host-a',
    });
  });

  it('history of a test, newest first, by config, limited', async () => {
    const h = await store.testHistory('generic/002', { config: 'xfs', limit: 2 });
    expect(h.map((r) => [r.workflowId, r.verdict])).toEqual([
      ['n3-xfs', 'fail'],
      ['n2-xfs', 'pass'],
    ]);
    expect((await store.testHistory('generic/001')).map((r) => r.config)).toEqual([
      'xfs',
      'xfs',
      'ext4',
      'xfs',
    ]);
  });

  it('last runs with verdict counts', async () => {
    const last = await store.lastRuns(2);
    expect(last.map((r) => r.workflowId)).toEqual(['n3-xfs', 'n2-xfs']);
    expect(last[0]!.counts).toEqual({ pass: 1, fail: 2 });
    expect((await store.lastRuns(5, { config: 'ext4' })).map((r) => r.workflowId)).toEqual(['n1-ext4']);
  });

  it('recording a run again replaces it (an activity retry writes no duplicates)', async () => {
    const s = summary('n2-xfs', { 'generic/001': 'pass', 'generic/002': 'pass', 'generic/003': 'fail' });
    await store.recordRun(s, {
      fsConfig: 'xfs',
      host: 'host-a',
      matrixId: 'night-2',
      finishedAt: '2025-01-02T02:00:00.000Z',
    });
    expect(await store.runRows('n2-xfs')).toHaveLength(3);
  });

  it('comparing two stored runs where one test went from pass to fail: exactly one regression', async () => {
    const { comparison } = await compareStored(store, 'n2-xfs', 'n3-xfs');
    expect(comparison.regressions).toEqual([
      { config: 'xfs', test: 'generic/002', base: 'pass', current: 'fail' },
    ]);
    expect(comparison.stillFailing.map((t) => t.test)).toEqual(['generic/003']);
    expect(comparison.outcome).toBe('regressed');
  });

  it('compares matrices by id and finds default baselines', async () => {
    const { comparison } = await compareStored(store, 'night-1', 'night-3');
    expect(comparison.regressions.map((t) => `${t.config}:${t.test}`)).toEqual(['xfs:generic/002']);
    expect(comparison.newlyNotRun.map((t) => `${t.config}:${t.test}`)).toEqual(['ext4:generic/001']);
    expect(await defaultBaseline(store, await loadSide(store, 'n3-xfs'))).toBe('n2-xfs');
    expect(await defaultBaseline(store, await loadSide(store, 'night-3'))).toBe('night-2');
    expect(await defaultBaseline(store, await loadSide(store, 'n1-xfs'))).toBeUndefined();
    await expect(loadSide(store, 'nope')).rejects.toThrow(/no run or matrix 'nope'/);
  });

  it('baseline previous: the previous night of the same schedule, not a later matrix of another', async () => {
    const rec = (id: string, matrixId: string, at: string, v: Record<string, Verdict>, extra = {}) =>
      store.recordRun(summary(id, v, extra), { fsConfig: 'btrfs', host: 'host-a', matrixId, finishedAt: at });
    const nightly = (d: string) => `fsto-matrix-nightly-2025-02-0${d}T03:00:00Z`;
    // generic/010 failed two nights ago and passed on a retry one night: its history makes it flaky.
    await rec('s1', nightly('1'), '2025-02-01T04:00:00.000Z', {
      'generic/010': 'fail',
      'generic/011': 'pass',
    });
    await rec('s2', nightly('2'), '2025-02-02T04:00:00.000Z', {
      'generic/010': 'pass',
      'generic/011': 'pass',
    });
    await rec('w1', 'fsto-matrix-weekly-20250202-120000-abcd', '2025-02-02T12:00:00.000Z', {
      'generic/010': 'pass',
    });
    await rec('s3', nightly('3'), '2025-02-03T04:00:00.000Z', {
      'generic/010': 'fail',
      'generic/011': 'fail',
    });
    expect(await defaultBaseline(store, await loadSide(store, nightly('3')))).toBe(nightly('2'));
    expect(await defaultBaseline(store, await loadSide(store, nightly('1')))).toBeUndefined();
    const { comparison } = await compareStored(store, nightly('2'), nightly('3'));
    expect(comparison.regressions.map((t) => t.test)).toEqual(['generic/011']);
    // s1 + w1 (btrfs history) + both sides: failed in 2 of 4 runs.
    expect(comparison.flaky).toEqual([
      { config: 'btrfs', test: 'generic/010', base: 'pass', current: 'fail', rate: 0.5, runs: 4 },
    ]);
  });

  it('two processes writing at once lose nothing', async () => {
    const path = _name === 'PostgreSQL' ? await pgDb() : join(dir, 'concurrent.sqlite');
    const child = join(import.meta.dirname, 'store-child.ts');
    const tsx = join(process.cwd(), 'node_modules/.bin/tsx');
    const res = await Promise.all(['a', 'b'].map((p) => run([tsx, child, path, p, '15'])));
    for (const r of res) expect(r.stderr).toBe('');
    const s = openResultsStore(path);
    expect(await s.lastRuns(100)).toHaveLength(30);
    expect((await s.testHistory('generic/049', { limit: 100 })).length).toBe(30);
  });
});

describe('results store (SQLite specifics)', () => {
  it('a lock left by a dead process is taken over; a live one times out naming its holder', async () => {
    const lock = join(dir, 'x.lock');
    const { writeFile } = await import('node:fs/promises');
    const { hostname } = await import('node:os');
    await writeFile(lock, `999999 ${hostname()}\n`);
    expect(await withFileLock(lock, () => 'ok')).toBe('ok');
    await writeFile(lock, `${process.pid} ${hostname()}\n`);
    await expect(withFileLock(lock, () => 'no', { timeoutMs: 100 })).rejects.toThrow(/held by/);
    await rm(lock);
  });

  it("a killed writer's left-over SQLite lock dir does not block the store", async () => {
    const { mkdir } = await import('node:fs/promises');
    const store = openResultsStore(join(dir, 'results.sqlite'));
    await mkdir(`${store.path}.lock`);
    expect(await store.runRows('n1-ext4')).toHaveLength(1);
  });
});
