import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { lastCheckLogRun, parseCheckLog } from '../../activities/results/checklog';
import { estimateSec, formatCheckTime, parseCheckTime } from '../../activities/results/checktime';
import { hangTimeoutSec } from '../../activities/results/hang-timeout';

const samples = join(import.meta.dirname, '../fixtures/samples/xfstests-63a29724');
const sample = (f: string) => readFileSync(join(samples, f), 'utf8');

describe('check.log', () => {
  it('reads every block of a real check.log, newest last', () => {
    const runs = parseCheckLog(sample('check.log'));
    expect(runs).toHaveLength(2);
    expect(runs[0]).toEqual({
      kernel: '6.18.44-fc-v669',
      date: 'Sat Nov 21 22:35:35 UTC 2026',
      ran: ['ext4/001', 'generic/001', 'generic/002', 'generic/005'],
      notRun: [],
      failures: [],
      interrupted: false,
      failed: 0,
      total: 4,
    });
    expect(lastCheckLogRun(sample('check.log'))).toMatchObject({
      failures: ['generic/002'],
      failed: 1,
      total: 4,
    });
  });

  it('an interrupted block, and a block cut short', () => {
    const text =
      '\nKernel version: 6.1.0\nMon Jan  1 00:00:00 UTC 2026\nRan: a/001 a/002\nInterrupted!\nNot run: a/002\nPassed all 2 tests\n\nKernel version: 6.1.0\nMon\nRan: a/003\n';
    const [a, b] = parseCheckLog(text);
    expect(a).toMatchObject({ interrupted: true, notRun: ['a/002'], total: 2 });
    expect(b).toEqual({
      kernel: '6.1.0',
      date: 'Mon',
      ran: ['a/003'],
      notRun: [],
      failures: [],
      interrupted: false,
    });
    expect(lastCheckLogRun('')).toBeUndefined();
  });
});

describe('check.time, ETA and hang timeouts', () => {
  const times = parseCheckTime(sample('check.time'));

  it('parses and formats check.time', () => {
    expect([...times]).toEqual([
      ['ext4/001', 3],
      ['generic/001', 6],
      ['generic/002', 1],
      ['generic/005', 1],
    ]);
    expect(formatCheckTime(times)).toBe(sample('check.time'));
    expect(parseCheckTime('garbage\n\ngeneric/9 x\n').size).toBe(0);
  });

  it('estimates from history, the median for unknown tests, a fallback without history', () => {
    expect(estimateSec(['ext4/001', 'generic/001'], times)).toBe(9);
    expect(estimateSec(['xfs/999'], times)).toBe(3); // median of 1,1,3,6
    expect(estimateSec(['xfs/999', 'xfs/998'], new Map(), 60)).toBe(120);
  });

  it('hang timeout: max(floor, k × last × scale), default without history', () => {
    expect(hangTimeoutSec('generic/001', times)).toBe(300);
    expect(hangTimeoutSec('generic/001', times, { floorSec: 10, factor: 5 })).toBe(30);
    expect(hangTimeoutSec('generic/001', times, { floorSec: 10, factor: 5, scale: 50 })).toBe(1500);
    expect(hangTimeoutSec('xfs/999', times)).toBe(1800);
    expect(hangTimeoutSec('xfs/999', times, { floorSec: 60, defaultSec: 30 })).toBe(60);
  });
});
