import { describe, expect, it } from 'vitest';
import { COMPARISON_CAP, boundComparison, listCount } from '../../activities/results/compare-bound';
import { compareRuns } from '../../activities/results/compare';
import { comparisonText } from '../../client/commands/results-query';

// A nightly's comparison crosses workflow boundaries (the matrix's summary, the run's record
// result): bounded whatever the number of tests. Oracle: counts of the generated rows.

describe('boundComparison', () => {
  const tests = Array.from({ length: 3000 }, (_, i) => `generic/${i}`);
  const base = tests.map((test) => ({ config: 'xfs', test, verdict: 'pass' as const }));
  const current = tests.map((test, i) => ({
    config: 'xfs',
    test,
    verdict: i < 2500 ? ('fail' as const) : ('pass' as const),
  }));
  const full = compareRuns({ baseId: 'a', currentId: 'b', base, current });

  it('caps every list, counts the rest, points at the whole; small payload at 3,000 tests', () => {
    const b = boundComparison(full, '/state/reports/b.comparison.json');
    expect(b.regressions).toHaveLength(COMPARISON_CAP);
    expect(b.more).toEqual({ regressions: 2500 - COMPARISON_CAP });
    expect(b.full).toBe('/state/reports/b.comparison.json');
    expect(listCount(b, 'regressions')).toBe(2500);
    expect(b.unchanged).toBe(500);
    expect(JSON.stringify(full).length).toBeGreaterThan(150_000);
    expect(JSON.stringify(b).length).toBeLessThan(10_000);
    const text = comparisonText(b);
    expect(text).toContain('REGRESSIONS (2500):');
    expect(text).toContain(`… and ${2500 - COMPARISON_CAP} more (/state/reports/b.comparison.json)`);
    expect(text).toContain('2500 regressions, 0 fixes');
  });

  it('leaves a small comparison as it is', () => {
    const small = compareRuns({
      baseId: 'a',
      currentId: 'b',
      base: base.slice(0, 10),
      current: current.slice(0, 10),
    });
    expect(boundComparison(small, '/x')).toBe(small);
  });
});
