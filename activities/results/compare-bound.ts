import type { Comparison } from '../../common/schemas';

// What of a comparison crosses a workflow boundary: every list capped (regressions first in
// what a person reads; the counts of what was left out in `more`), and a pointer to the whole
// comparison on the host. A night of 30 configs × 1,200 tests that all regress stays ~20 KB.

export const COMPARISON_CAP = 50;

const LISTS = ['regressions', 'fixes', 'stillFailing', 'newlyNotRun', 'flaky', 'added'] as const;

export function boundComparison(c: Comparison, full?: string, cap = COMPARISON_CAP): Comparison {
  const more: Record<string, number> = {};
  const out: Comparison = { ...c };
  for (const k of LISTS) {
    if (c[k].length <= cap) continue;
    more[k] = c[k].length - cap;
    (out[k] as unknown[]) = c[k].slice(0, cap);
  }
  if (!Object.keys(more).length) return c;
  return { ...out, more, ...(full ? { full } : {}) };
}

/** How many a list had before capping. */
export const listCount = (c: Comparison, k: (typeof LISTS)[number]): number =>
  c[k].length + (c.more?.[k] ?? 0);
