import { mkdir, mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { collectArtifacts, truncateMiddle, truncationMarker } from '../../activities/results/artifacts';

describe('truncateMiddle', () => {
  it('keeps small data, cuts the middle of big data with a marker', () => {
    expect(truncateMiddle(Buffer.from('abc'), 3).toString()).toBe('abc');
    expect(truncateMiddle(Buffer.from('0123456789'), 4).toString()).toBe(`01${truncationMarker(6)}89`);
  });
});

describe('collectArtifacts', () => {
  it('copies each kind that exists, capped, plus console excerpts', async () => {
    const report = await mkdtemp(join(tmpdir(), 'fsto-report-'));
    const dest = await mkdtemp(join(tmpdir(), 'fsto-artifacts-'));
    await mkdir(join(report, 'generic'));
    await writeFile(join(report, 'generic/002.out.bad'), 'short\n');
    await writeFile(join(report, 'generic/002.full'), `HEAD${'x'.repeat(5000)}TAIL`);
    await writeFile(join(report, 'generic/003.notrun'), 'needs a pool\n');
    const got = await collectArtifacts({
      reportDir: report,
      destDir: dest,
      tests: ['generic/002', 'generic/003', 'generic/004'],
      capBytes: 100,
      consoleLogs: { 'generic/004': `${'c'.repeat(300)}` },
    });
    expect(got.map((a) => [a.test, a.kind, a.bytes, a.truncated])).toEqual([
      ['generic/002', 'out.bad', 6, false],
      ['generic/002', 'full', 5008, true],
      ['generic/003', 'notrun', 13, false],
      ['generic/004', 'console.log', 300, true],
    ]);
    const full = await readFile(join(dest, 'generic/002/full'), 'utf8');
    expect(full.startsWith('HEAD')).toBe(true);
    expect(full.endsWith('TAIL')).toBe(true);
    expect(full).toContain(truncationMarker(4908));
    expect(await readFile(join(dest, 'generic/003/notrun'), 'utf8')).toBe('needs a pool\n');
  });

  it('refuses a name that is not a test (no path escapes)', async () => {
    await expect(
      collectArtifacts({ reportDir: '/tmp', destDir: '/tmp/x', tests: ['../../etc'] }),
    ).rejects.toThrow(/not a test name/);
  });
});
