import { describe, expect, it } from 'vitest';
import type { BisectVerdict } from '../../common/schemas';
import { rangeState, stepsLeft } from '../../workflows/bisect-range';

// The oracle: a brute-force bisection over a known history (first bad at index `culprit`), each
// test answered from that index, never from the code under test.
function bisect(n: number, culprit: number, skip: ReadonlySet<number> = new Set()) {
  const v = new Map<number, BisectVerdict>();
  const tested: number[] = [];
  for (let s = rangeState(n, v); s.next !== undefined; s = rangeState(n, v)) {
    tested.push(s.next);
    v.set(s.next, skip.has(s.next) ? 'skip' : s.next >= culprit ? 'bad' : 'good');
  }
  return { end: rangeState(n, v), tested };
}

describe('bisection range', () => {
  it('finds every possible culprit of a linear history in at most ceil(log2(n)) steps', () => {
    for (const n of [1, 2, 3, 7, 8, 100, 1000])
      for (let c = 0; c < n; c++) {
        const { end, tested } = bisect(n, c);
        expect(end.firstBad, `n=${n} culprit=${c}`).toBe(c);
        expect(new Set(tested).size).toBe(tested.length); // never the same commit twice
        expect(tested.length).toBeLessThanOrEqual(Math.ceil(Math.log2(n)));
      }
  });

  it('tests the middle first, and the older of two middles', () => {
    expect(rangeState(10, new Map()).next).toBe(4); // good -1, bad 9: the middle is 4
    expect(rangeState(9, new Map()).next).toBe(3); // good -1, bad 8: 3 and 4 equally near → 3
    expect(rangeState(8, new Map()).next).toBe(3);
    expect(rangeState(8, new Map([[3, 'good']])).next).toBe(5);
  });

  it('steps around a skipped commit and still finds the culprit', () => {
    const { end, tested } = bisect(16, 9, new Set([7]));
    expect(end.firstBad).toBe(9);
    expect(tested).toContain(7);
  });

  it('says the candidates when skipped commits hide the culprit, as git bisect does', () => {
    // Culprit 5, and 4 and 5 do not build: the first bad is 4, 5 or 6.
    const { end } = bisect(10, 5, new Set([4, 5]));
    expect(end.firstBad).toBeUndefined();
    expect(end.candidates).toEqual([4, 5, 6]);
  });

  it('counts what is left', () => {
    expect(rangeState(10, new Map()).remaining).toBe(9);
    expect(stepsLeft(9)).toBe(4);
    expect(stepsLeft(0)).toBe(0);
    expect(rangeState(1, new Map())).toMatchObject({ firstBad: 0, remaining: 0 });
  });
});
