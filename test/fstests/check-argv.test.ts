import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { checkArgv, listArgv, parseListing } from '../../activities/fstests/check-argv';

const samples = join(import.meta.dirname, '../fixtures/samples/xfstests-63a29724');

describe('checkArgv', () => {
  it('puts options first and tests last', () => {
    expect(
      checkArgv({
        section: 'fsto',
        groups: ['quick', 'rw'],
        excludeGroups: ['dangerous'],
        excludeFile: '/fsto/run/exclude',
        tests: ['generic/001', 'xfs/123'],
      }),
    ).toEqual([
      './check',
      '-R',
      'xunit',
      '-s',
      'fsto',
      '-g',
      'quick,rw',
      '-x',
      'dangerous',
      '-E',
      '/fsto/run/exclude',
      'generic/001',
      'xfs/123',
    ]);
  });

  it('-i N iterates and -L N reruns failures (before the tests); a listing does neither', () => {
    const sel = { section: 's', tests: ['generic/001'], iterations: 3, loopOnFail: 2 };
    expect(checkArgv(sel)).toEqual([
      './check',
      '-R',
      'xunit',
      '-s',
      's',
      '-i',
      '3',
      '-L',
      '2',
      'generic/001',
    ]);
    expect(checkArgv({ iterations: 1, loopOnFail: 0 })).toEqual(['./check', '-R', 'xunit']);
    expect(listArgv(sel)).toEqual(['./check', '-n', '-s', 's', 'generic/001']);
    expect(() => checkArgv({ loopOnFail: 1.5 })).toThrow(/loopOnFail/);
  });

  it('leaves the default selection (-g auto) to check', () => {
    expect(checkArgv({})).toEqual(['./check', '-R', 'xunit']);
  });

  it('lists with -n and without -R xunit (which would rewrite result.xml)', () => {
    expect(listArgv({ section: 's1', groups: ['auto'], tests: ['generic/001'] })).toEqual([
      './check',
      '-n',
      '-s',
      's1',
      '-g',
      'auto',
      'generic/001',
    ]);
  });

  it.each([
    [{ tests: ['generic/*'] }, /tests/],
    [{ tests: ['-g'] }, /tests/],
    [{ groups: ['auto;reboot'] }, /groups/],
    [{ excludeGroups: ['A'] }, /excludeGroups/],
    [{ excludeFile: 'rel/path' }, /excludeFile/],
    [{ section: 'a b' }, /section/],
  ])('refuses %j', (sel, re) => {
    expect(() => checkArgv(sel)).toThrow(re);
  });
});

describe('parseListing', () => {
  it('reads a real `check -n` listing: padded names, [expunged], unknown tests', () => {
    const text = readFileSync(join(samples, 'list-tests.stdout'), 'utf8');
    expect(parseListing(text)).toEqual({
      tests: ['ext4/001', 'generic/001', 'generic/002', 'generic/005'],
      expunged: ['generic/006'],
      unknown: ['generic/9999'],
    });
  });

  it('ignores the header and summary lines', () => {
    expect(
      parseListing(
        'SECTION       -- fsto\nFSTYP         -- xfs (non-debug)\n\ngeneric/001 \nPassed all 0 tests\n',
      ).tests,
    ).toEqual(['generic/001']);
  });
});
