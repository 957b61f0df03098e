import type { ApplicationFailure } from '@temporalio/common';
import { describe, expect, it } from 'vitest';
import { parseOrFail } from '../../common/errors';
import { RunSpec } from '../../common/schemas';

const failureOf = (input: unknown) => {
  try {
    parseOrFail(RunSpec, input, 'run spec');
  } catch (e) {
    return e as ApplicationFailure;
  }
  throw new Error('expected a failure');
};

describe('spec errors', () => {
  it('names every bad field with its fix, one per line, non-retryable', () => {
    const f = failureOf({ fstests: 'x', fs: 'XFS!', tests: ['001'] });
    expect(f.nonRetryable).toBe(true);
    expect(f.type).toBe('InvalidSpec');
    expect(f.message.split('\n').slice(1)).toEqual([
      'fstests: give an absolute path to the fstests directory (the one holding ./check)',
      'fs: give a filesystem type such as xfs, ext4 or btrfs',
      'tests.0: a test is named like generic/001 (directory/number)',
    ]);
  });

  it('refuses unknown fields and suggests the near one', () => {
    expect(failureOf({ fstests: '/f', fs: 'xfs', exclude: ['quick'] }).message).toMatch(
      /exclude: unknown field; did you mean "excludeFile"\?/,
    );
    expect(failureOf({ fstests: '/f', fs: 'xfs', zzzzzzzzzz: 1 }).message).toMatch(
      /zzzzzzzzzz: unknown field; known fields: fstests, fs, kernel/,
    );
  });
});
