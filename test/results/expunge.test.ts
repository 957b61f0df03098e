import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { applyExpunges, inKernelRange, matchExpunges } from '../../activities/results/expunge';
import { ExpungeEntry } from '../../common/schemas';

describe('expunge lists', () => {
  const Entries = z.array(ExpungeEntry);
  const entries = Entries.parse([
    { test: 'generic/475', reason: 'slow under TCG' },
    { test: 'generic/001', reason: 'bug 123, fixed in 6.8', kernelMax: '6.7' },
    { test: 'xfs/100', reason: 'new since 6.10', kernelMin: '6.10' },
  ]);

  it('kernel ranges: numeric-aware, inclusive, bounds match as prefixes', () => {
    expect(inKernelRange('6.1.0-26-amd64', { kernelMax: '6.1' })).toBe(true);
    expect(inKernelRange('6.2', { kernelMax: '6.1' })).toBe(false);
    expect(inKernelRange('6.10.1', { kernelMax: '6.9' })).toBe(false);
    expect(inKernelRange('6.9.12', { kernelMin: '6.10' })).toBe(false);
    expect(inKernelRange('6.10.0-rc1', { kernelMin: '6.10' })).toBe(true);
    expect(inKernelRange('6.12', { kernelMin: '6.10', kernelMax: '6.12' })).toBe(true);
    expect(inKernelRange('6.1', { kernelMin: '6.10' })).toBe(false);
  });

  it('which tests are known failures on a kernel', () => {
    const names = (k: string | undefined) =>
      matchExpunges(entries, k)
        .map((m) => m.test)
        .sort();
    expect(names('6.1.0-26-amd64')).toEqual(['generic/001', 'generic/475']);
    expect(names('6.10.3')).toEqual(['generic/475', 'xfs/100']);
    // Unknown kernel: only unranged entries apply.
    expect(names(undefined)).toEqual(['generic/475']);
    // Two entries for one test keep both reasons.
    const twice = matchExpunges([...entries, { test: 'generic/475', reason: 'and a bug' }], '6.1');
    expect(twice.find((m) => m.test === 'generic/475')?.reason).toBe('slow under TCG; and a bug');
  });

  it('failing known failures become expunged with the reason; passes stay; excluded ones are added', () => {
    const out = applyExpunges(
      [
        { name: 'generic/001', verdict: 'fail', durationSec: 3, reason: 'output mismatch' },
        { name: 'generic/002', verdict: 'fail', durationSec: 1 },
        { name: 'xfs/100', verdict: 'pass', durationSec: 2 },
      ],
      [
        { test: 'generic/001', reason: 'bug 123' },
        { test: 'xfs/100', reason: 'r' },
        { test: 'generic/475', reason: 'slow' },
      ],
    );
    expect(out).toEqual([
      {
        name: 'generic/001',
        verdict: 'expunged',
        durationSec: 3,
        reason: 'known failure (fail: output mismatch): bug 123',
      },
      { name: 'generic/002', verdict: 'fail', durationSec: 1 },
      { name: 'xfs/100', verdict: 'pass', durationSec: 2 },
      { name: 'generic/475', verdict: 'expunged', durationSec: 0, reason: 'known failure: slow' },
    ]);
  });

  it('refuses entries without a reason or with a bound that is no release', () => {
    expect(Entries.safeParse([{ test: 'generic/001', reason: '' }]).success).toBe(false);
    expect(Entries.safeParse([{ test: 'generic/001', reason: 'x', kernelMax: 'latest' }]).success).toBe(
      false,
    );
  });
});
