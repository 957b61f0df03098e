import { mkdir, mkdtemp, rm, symlink, utimes, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { verdictDiffs, verdictRows } from '../../kit/parity-compare';
import { snapshotTree, treeChanges } from '../../kit/parity-tree';
import type { TestResult } from '../../common/schemas';

const r = (name: string, verdict: TestResult['verdict'], reason?: string): TestResult =>
  ({ name, verdict, durationSec: 1, ...(reason ? { reason } : {}) }) as TestResult;

describe('verdict parity: rows and differences', () => {
  it('names every test asked for or reported; a verdict differing or missing on a side is a difference', () => {
    const rows = verdictRows(
      ['ext4/001', 'generic/002'],
      [r('ext4/001', 'pass'), r('generic/002', 'pass'), r('generic/003', 'notrun', 'no reflink')],
      [r('generic/002', 'pass'), r('ext4/001', 'fail', 'ext4/001.out: could not setup output file\n...')],
    );
    expect(rows.map((x) => x.test)).toEqual(['ext4/001', 'generic/002', 'generic/003']);
    expect(verdictDiffs(rows)).toEqual([
      'ext4/001: by hand pass; fsto fail (ext4/001.out: could not setup output file ...)',
      'generic/003: by hand notrun (no reflink); fsto missing',
    ]);
  });

  it('no difference when both sides agree, whatever the reasons say', () => {
    const rows = verdictRows([], [r('a/1', 'notrun', 'x')], [r('a/1', 'notrun', 'y')]);
    expect(verdictDiffs(rows)).toEqual([]);
  });
});

describe('tree snapshots', () => {
  it('see an added link, a changed file and a removed one; nothing when nothing changed', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'fsto-tree-'));
    try {
      await mkdir(join(dir, 'tests/x'), { recursive: true });
      await writeFile(join(dir, 'tests/x/001.out.a'), 'A\n');
      await writeFile(join(dir, 'tests/x/gone'), '');
      await writeFile(join(dir, 'tests/x/001'), 'v1\n');
      const old = new Date('2026-01-01T00:00:00Z');
      for (const f of ['tests/x', 'tests/x/001']) await utimes(join(dir, f), old, old);
      const before = await snapshotTree(dir);
      expect(treeChanges(before, await snapshotTree(dir))).toEqual([]);

      await symlink('001.out.a', join(dir, 'tests/x/001.out'));
      await writeFile(join(dir, 'tests/x/001'), 'v2\n');
      await rm(join(dir, 'tests/x/gone'));
      const changes = treeChanges(before, await snapshotTree(dir));
      expect(changes.map((l) => l.split(':')[0])).toEqual([
        'changed tests/x',
        'changed tests/x/001',
        'removed tests/x/gone',
        'added tests/x/001.out',
      ]);
      expect(changes.at(-1)).toMatch(/^added tests\/x\/001.out: -> 001.out.a /);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
