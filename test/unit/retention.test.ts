import { mkdir, mkdtemp, readdir, rm, utimes, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DiskFullError, ensureFreeSpace, pruneRuns, retentionFromEnv } from '../../activities/host/retention';
import { Ledger } from '../../activities/ledger/ledger';
import { runOk } from '../../activities/process';

// Retention of run dirs under the state dir (by nights, by bytes; never an open run) and the
// free-space check before a run makes its files, on a real full filesystem (a 1 MiB tmpfs).

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'fsto-retention-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

const DAY = 86_400_000;
async function run(state: string, key: string, ageDays: number, bytes: number, now: number) {
  const d = join(state, 'runs', key);
  await mkdir(join(d, 'results'), { recursive: true });
  await writeFile(join(d, 'results', 'console.log'), Buffer.alloc(bytes));
  const t = new Date(now - ageDays * DAY);
  await utimes(d, t, t);
}

describe('pruneRuns', () => {
  it('removes runs older than the nights kept, oldest first past the bytes kept, never an open run', async () => {
    const state = join(dir, 'state');
    const now = Date.now();
    await run(state, 'night-1', 10, 1000, now);
    await run(state, 'night-open', 9, 1000, now); // still held in the ledger (a loop device)
    await run(state, 'night-5', 5, 1000, now);
    await run(state, 'night-8', 2, 1000, now);
    await run(state, 'night-9', 1, 1000, now);
    const ledger = new Ledger(join(state, 'ledger'));
    await ledger.record('night-open', 'loop', { device: '/dev/loop99' });
    expect(await pruneRuns(state, ledger, { keepNights: 7 }, now)).toEqual({
      removed: ['night-1'],
      keptBytes: 4000,
    });
    // 2,500 bytes: the two newest fit, night-5 does not; the open one stays whatever its age.
    expect((await pruneRuns(state, ledger, { keepBytes: 2500 }, now)).removed).toEqual(['night-5']);
    expect((await readdir(join(state, 'runs'))).sort()).toEqual(['night-8', 'night-9', 'night-open']);
  });

  it('reads the policy from the worker environment, refusing nonsense by name', () => {
    expect(retentionFromEnv({ FSTO_KEEP_NIGHTS: '14', FSTO_KEEP_BYTES: '1e9' })).toEqual({
      keepNights: 14,
      keepBytes: 1e9,
    });
    expect(retentionFromEnv({})).toEqual({});
    expect(() => retentionFromEnv({ FSTO_KEEP_NIGHTS: 'week' })).toThrow(
      /FSTO_KEEP_NIGHTS=week: give a number/,
    );
  });
});

describe('ensureFreeSpace', () => {
  it('a full state dir filesystem gives an error naming its path, at once', async () => {
    const mp = join(dir, 'full');
    await mkdir(mp);
    await runOk(['mount', '-t', 'tmpfs', '-o', 'size=1m', 'fsto-retention-test', mp]);
    try {
      await runOk(['dd', 'if=/dev/zero', `of=${join(mp, 'fill')}`, 'bs=64k', 'count=64']).catch(
        () => undefined,
      );
      const err = await ensureFreeSpace(mp, 256 * 2 ** 20).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(DiskFullError);
      expect((err as Error).message).toMatch(new RegExp(`^${mp}: 0 MiB free, a run needs 256 MiB there`));
      await expect(ensureFreeSpace(dir, 1)).resolves.toBeUndefined();
    } finally {
      await runOk(['umount', mp]);
    }
  });
});
