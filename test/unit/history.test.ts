import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { mergeHistory, readHistory } from '../../activities/fstests/history';

let dir = '';
afterEach(async () => {
  if (dir) await rm(dir, { recursive: true, force: true });
});

describe('the host history (check.time per filesystem)', () => {
  // The shards of a matrix cell on one host (and an embedded run beside a worker) merge their
  // check.time at once: each merge is read-modify-write, and none may lose another's times.
  it('concurrent merges keep every time', async () => {
    dir = await mkdtemp(join(tmpdir(), 'fsto-history-'));
    const merges = Array.from({ length: 24 }, (_, i) =>
      mergeHistory(dir, 'xfs', new Map([[`generic/${String(i).padStart(3, '0')}`, i + 1]])),
    );
    await Promise.all(merges);
    const times = await readHistory(dir, 'xfs');
    expect(times.size).toBe(24);
    expect(times.get('generic/023')).toBe(24);
  });
});
