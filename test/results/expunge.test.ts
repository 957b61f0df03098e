import { describe, expect, it } from 'vitest';
import {
  applyExpunges,
  excludeFileText,
  expungedTests,
  inKernelRange,
} from '../../activities/results/expunge';
import { ExpungeSet } from '../../common/schemas';

describe('expunge lists', () => {
  const set = ExpungeSet.parse({
    '*': [{ test: 'generic/475', reason: 'slow under TCG' }],
    xfs: [
      { test: 'generic/001', reason: 'bug 123, fixed in 6.8', kernelMax: '6.7' },
      { test: 'xfs/100', reason: 'new since 6.10', kernelMin: '6.10' },
    ],
  });

  it('kernel ranges: numeric-aware, inclusive, bounds match as prefixes', () => {
    expect(inKernelRange('6.1.0-26-amd64', { kernelMax: '6.1' })).toBe(true);
    expect(inKernelRange('6.2', { kernelMax: '6.1' })).toBe(false);
    expect(inKernelRange('6.10.1', { kernelMax: '6.9' })).toBe(false);
    expect(inKernelRange('6.9.12', { kernelMin: '6.10' })).toBe(false);
    expect(inKernelRange('6.10.0-rc1', { kernelMin: '6.10' })).toBe(true);
    expect(inKernelRange('6.12', { kernelMin: '6.10', kernelMax: '6.12' })).toBe(true);
    expect(inKernelRange('6.1', { kernelMin: '6.10' })).toBe(false);
  });

  it('which tests of a config+kernel are known failures', () => {
    const names = (k: string | undefined) =>
      expungedTests(set, 'xfs', k)
        .map((m) => m.test)
        .sort();
    expect(names('6.1.0-26-amd64')).toEqual(['generic/001', 'generic/475']);
    expect(names('6.10.3')).toEqual(['generic/475', 'xfs/100']);
    // Unknown kernel: only unranged entries apply.
    expect(names(undefined)).toEqual(['generic/475']);
    expect(expungedTests(set, 'ext4', '6.1').map((m) => m.test)).toEqual(['generic/475']);
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

  it('refuses entries without a reason and writes check -E files', () => {
    expect(ExpungeSet.safeParse({ xfs: [{ test: 'generic/001', reason: '' }] }).success).toBe(false);
    expect(
      ExpungeSet.safeParse({ xfs: [{ test: 'generic/001', reason: 'x', kernelMax: 'latest' }] }).success,
    ).toBe(false);
    expect(excludeFileText([{ test: 'generic/001', reason: 'a\nb' }])).toBe('generic/001 # a b\n');
  });
});
