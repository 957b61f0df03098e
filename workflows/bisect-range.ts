import type { BisectVerdict } from '../common/schemas';

// The range arithmetic of a bisection, over the commits after good up to bad (oldest first; the
// last one is bad by definition). Pure: the workflow keeps the verdicts, this says what is known
// and which commit to test next (test/unit/bisect-range.test.ts). Like `git bisect` on a linear
// history: the next commit halves the range; a skipped commit is never picked again, and the one
// nearest the middle is tested instead; when only skipped commits are left between good and bad,
// the first bad is one of them or the bad end ("candidates").

export interface RangeState {
  /** Index of the newest good commit (-1: the good ref itself). */
  lo: number;
  /** Index of the oldest bad commit. */
  hi: number;
  /** Untested commits strictly between lo and hi. */
  remaining: number;
  /** The commit to test next, by index; absent when the range is settled. */
  next?: number;
  /** Settled: the first bad commit. */
  firstBad?: number;
  /** Settled with skipped commits in the way: the first bad is one of these. */
  candidates?: number[];
}

/** What `verdicts` (index → verdict) say about `n` commits. */
export function rangeState(n: number, verdicts: ReadonlyMap<number, BisectVerdict>): RangeState {
  if (n < 1) throw new Error('a bisection needs at least one commit after good');
  let lo = -1;
  for (const [i, v] of verdicts) if (v === 'good' && i > lo && i < n - 1) lo = i;
  let hi = n - 1;
  for (const [i, v] of verdicts) if (v === 'bad' && i > lo && i < hi) hi = i;
  const between = Array.from({ length: Math.max(0, hi - lo - 1) }, (_, k) => lo + 1 + k);
  const untested = between.filter((i) => !verdicts.has(i));
  const base = { lo, hi, remaining: untested.length };
  if (untested.length) {
    const mid = (lo + hi) / 2;
    // Nearest the middle; between two equally near, the older (as git picks the lower half).
    const next = untested.reduce((a, b) => (Math.abs(b - mid) < Math.abs(a - mid) ? b : a));
    return { ...base, next };
  }
  const skipped = between.filter((i) => verdicts.get(i) === 'skip');
  return skipped.length ? { ...base, candidates: [...skipped, hi] } : { ...base, firstBad: hi };
}

/** Steps still to go when nothing is skipped (log2 of the commits left, rounded up). */
export const stepsLeft = (remaining: number) => (remaining > 0 ? Math.ceil(Math.log2(remaining + 1)) : 0);
