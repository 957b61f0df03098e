import { describe, expect, it } from 'vitest';
import { compareRuns, flakyRates, type CompareRow } from '../../activities/results/compare';
import type { Verdict } from '../../common/schemas';

const rows = (config: string, v: Record<string, Verdict>): CompareRow[] =>
  Object.entries(v).map(([test, verdict]) => ({ config, test, verdict }));

describe('compareRuns', () => {
  it('one test from pass to fail is exactly one regression, and the outcome is regressed', () => {
    const base = rows('xfs', {
      'generic/001': 'pass',
      'generic/002': 'pass',
      'generic/003': 'fail',
      'generic/004': 'notrun',
    });
    const current = rows('xfs', {
      'generic/001': 'pass',
      'generic/002': 'fail',
      'generic/003': 'fail',
      'generic/004': 'notrun',
    });
    const c = compareRuns({ baseId: 'a', currentId: 'b', base, current });
    expect(c.regressions).toEqual([{ config: 'xfs', test: 'generic/002', base: 'pass', current: 'fail' }]);
    expect(c.stillFailing.map((t) => t.test)).toEqual(['generic/003']);
    expect(c.fixes).toEqual([]);
    expect(c.flaky).toEqual([]);
    expect(c.outcome).toBe('regressed');
    expect(c.unchanged).toBe(2);
  });

  it('still failing, fixes and newly not run do not make a regression', () => {
    const base = rows('ext4', {
      'generic/001': 'fail',
      'generic/002': 'crashed',
      'generic/003': 'pass',
      'generic/005': 'expunged',
    });
    const current = rows('ext4', {
      'generic/001': 'hung',
      'generic/002': 'pass',
      'generic/003': 'notrun',
      'generic/005': 'pass',
    });
    const c = compareRuns({ baseId: 'a', currentId: 'b', base, current });
    expect(c.regressions).toEqual([]);
    expect(c.stillFailing.map((t) => t.test)).toEqual(['generic/001']);
    expect(c.fixes.map((t) => t.test)).toEqual(['generic/002', 'generic/005']);
    expect(c.newlyNotRun.map((t) => t.test)).toEqual(['generic/003']);
    expect(c.outcome).toBe('improved');
  });

  it('keys by config: the same test failing in another config only is a regression there', () => {
    const base = [...rows('xfs', { 'generic/001': 'pass' }), ...rows('ext4', { 'generic/001': 'pass' })];
    const current = [
      ...rows('xfs', { 'generic/001': 'pass' }),
      ...rows('ext4', { 'generic/001': 'crashed' }),
    ];
    const c = compareRuns({ baseId: 'm1', currentId: 'm2', base, current });
    expect(c.regressions).toEqual([
      { config: 'ext4', test: 'generic/001', base: 'pass', current: 'crashed' },
    ]);
  });

  it('a test missing from the current side is newly not run; a new failing test is a regression', () => {
    const c = compareRuns({
      baseId: 'a',
      currentId: 'b',
      base: rows('xfs', { 'generic/001': 'pass' }),
      current: rows('xfs', { 'generic/009': 'fail', 'generic/010': 'pass' }),
    });
    expect(c.newlyNotRun).toEqual([{ config: 'xfs', test: 'generic/001', base: 'pass', current: undefined }]);
    expect(c.regressions.map((t) => t.test)).toEqual(['generic/009']);
    expect(c.added.map((t) => t.test)).toEqual(['generic/010']);
  });

  it('a failure of a test whose history flip-flops is flaky with its rate, not a regression', () => {
    const history = [
      ...rows('xfs', { 'generic/007': 'pass' }),
      ...rows('xfs', { 'generic/007': 'fail' }),
      ...rows('xfs', { 'generic/007': 'pass' }),
    ];
    const c = compareRuns({
      baseId: 'a',
      currentId: 'b',
      base: rows('xfs', { 'generic/007': 'pass' }),
      current: rows('xfs', { 'generic/007': 'fail' }),
      history,
    });
    expect(c.regressions).toEqual([]);
    expect(c.flaky).toEqual([
      { config: 'xfs', test: 'generic/007', base: 'pass', current: 'fail', rate: 0.4, runs: 5 },
    ]);
    expect(c.outcome).toBe('unchanged');
  });

  it('a pass that needed a retry is flaky; a steady history makes a new failure a regression', () => {
    const c = compareRuns({
      baseId: 'a',
      currentId: 'b',
      base: rows('xfs', { 'generic/008': 'pass', 'generic/011': 'pass' }),
      current: [
        { config: 'xfs', test: 'generic/008', verdict: 'pass', flakyAttempts: 2 },
        ...rows('xfs', { 'generic/011': 'fail' }),
      ],
      history: rows('xfs', { 'generic/011': 'pass' }),
    });
    expect(c.flaky).toEqual([
      { config: 'xfs', test: 'generic/008', base: 'pass', current: 'pass', rate: 0.5, runs: 2 },
    ]);
    expect(c.regressions.map((t) => t.test)).toEqual(['generic/011']);
  });

  it('several rows for one key (kernels of a matrix): the worst verdict speaks', () => {
    const c = compareRuns({
      baseId: 'a',
      currentId: 'b',
      base: rows('xfs', { 'generic/001': 'pass' }),
      current: [...rows('xfs', { 'generic/001': 'pass' }), ...rows('xfs', { 'generic/001': 'hung' })],
    });
    expect(c.regressions).toEqual([{ config: 'xfs', test: 'generic/001', base: 'pass', current: 'hung' }]);
  });

  it('flakyRates counts only runs that ran the test', () => {
    const r = flakyRates([
      ...rows('x', { 'a/1': 'pass' }),
      ...rows('x', { 'a/1': 'notrun' }),
      ...rows('x', { 'a/1': 'crashed' }),
    ]);
    expect(r.get('x\u0000a/1')).toEqual({ rate: 0.5, runs: 2 });
  });
});
