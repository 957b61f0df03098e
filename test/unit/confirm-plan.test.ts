import { describe, expect, it } from 'vitest';
import { ConfirmSpec, MatrixSpec } from '../../common/schemas';
import { confirmVerdict, runsFor } from '../../workflows/confirm-plan';

describe('confirming a regression', () => {
  it('reruns enough that a test failing at its old rate fails all of them by chance < 1%', () => {
    expect([0, 0.2, 0.35, 0.5, 0.6, 0.9].map((p) => runsFor(p, 10))).toEqual([5, 5, 5, 7, 10, 10]);
    expect(runsFor(0.5, 6)).toBe(6);
    for (const p of [0.35, 0.5, 0.6]) expect(p ** runsFor(p, 20)).toBeLessThan(0.01);
  });

  it('says confirmed, flaky or not reproduced', () => {
    expect(confirmVerdict(5, 5)).toEqual({ verdict: 'confirmed', text: 'regression (confirmed 5/5)' });
    expect(confirmVerdict(2, 5)).toEqual({ verdict: 'flaky', text: 'flaky (2/5)' });
    expect(confirmVerdict(0, 5)).toEqual({ verdict: 'not-reproduced', text: 'not reproduced (0/5)' });
    expect(confirmVerdict(0, 0).verdict).toBe('not-reproduced');
  });

  it('is opt-in in the matrix spec, bounded, and names a bad field', () => {
    const m = { fstests: '/f', configs: [{ name: 'xfs', fs: 'xfs' }] };
    expect(MatrixSpec.parse(m).confirm).toBeUndefined();
    expect(MatrixSpec.parse({ ...m, confirm: {} }).confirm).toEqual({ maxRuns: 10, maxTests: 5 });
    const bad = ConfirmSpec.safeParse({ maxRuns: 50 });
    expect(bad.error?.issues[0]).toMatchObject({ path: ['maxRuns'], message: 'at most 20 reruns' });
    expect(ConfirmSpec.safeParse({ runs: 5 }).success).toBe(false);
  });
});
