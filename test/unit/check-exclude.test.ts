import { describe, expect, it } from 'vitest';
import { checkArgv, listArgv } from '../../activities/fstests/check-argv';

// fsto run -X: fstests' own `check -e testlist` (check's usage: "-e testlist  exclude a specific
// list of tests"), options before the tests as check requires.
describe('excluded tests', () => {
  it('go to check as -e a,b, before the tests, also when listing', () => {
    const sel = { tests: ['generic/003'], excludeTests: ['generic/001', 'xfs/042'] };
    expect(checkArgv({ ...sel, xunit: false })).toEqual([
      './check',
      '-e',
      'generic/001,xfs/042',
      'generic/003',
    ]);
    expect(listArgv(sel)).toEqual(['./check', '-n', '-e', 'generic/001,xfs/042', 'generic/003']);
    expect(checkArgv({ xunit: false, excludeTests: [] })).toEqual(['./check']);
    expect(() => checkArgv({ excludeTests: ['generic/001;rm'] })).toThrow(/excludeTests/);
  });
});
