import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { formatCheckTime, parseCheckTime } from '../../activities/verdicts/checktime';
import { hangTimeoutSec } from '../../activities/verdicts/hang-timeout';

const samples = join(import.meta.dirname, '../fixtures/samples/xfstests-63a29724');
const sample = (f: string) => readFileSync(join(samples, f), 'utf8');

describe('check.time and hang timeouts', () => {
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

  it('hang timeout: max(floor, k × last), default without history', () => {
    expect(hangTimeoutSec('generic/001', times)).toBe(300);
    expect(hangTimeoutSec('generic/001', times, { floorSec: 10, factor: 5 })).toBe(30);
    expect(hangTimeoutSec('xfs/999', times)).toBe(1800);
    expect(hangTimeoutSec('xfs/999', times, { floorSec: 60, defaultSec: 30 })).toBe(60);
  });
});
