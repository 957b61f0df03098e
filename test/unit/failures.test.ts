import { ApplicationFailure } from '@temporalio/common';
import { describe, expect, it } from 'vitest';
import { translated } from '../../activities/failures';
import {
  FAILURE_KINDS,
  FstoError,
  failureKind,
  rootFailureType,
  VM_BOOT_CRASHED,
  VM_BOOT_FAILED,
} from '../../common/errors';

// The host library throws FstoError; an activity factory's functions hand Temporal an
// ApplicationFailure of the same type, message, details and retry policy (activities/failures.ts),
// so the workflow's nonRetryableErrorTypes and the CLI's exit codes read the same thing whether the
// library ran in an activity or in the CLI itself.

describe('library failures, translated once', () => {
  const acts = translated({
    crashed: async () => {
      throw new FstoError('the kernel panicked during boot: BUG', VM_BOOT_CRASHED, {
        details: [{ signature: 'BUG' }],
      });
    },
    flaky: async () => {
      throw new FstoError('VM boot failed (timeout)', VM_BOOT_FAILED, { retryable: true });
    },
    plain: async () => {
      throw new RangeError('a bug');
    },
    fine: async (n: number) => n + 1,
  });

  it('an FstoError becomes an ApplicationFailure of its type, details and retry policy', async () => {
    const crashed = await acts.crashed().catch((e: unknown) => e);
    expect(crashed).toBeInstanceOf(ApplicationFailure);
    expect(crashed).toMatchObject({
      type: 'VmBootCrashed',
      message: 'the kernel panicked during boot: BUG',
      nonRetryable: true,
      details: [{ signature: 'BUG' }],
    });
    expect(await acts.flaky().catch((e: unknown) => e)).toMatchObject({
      type: 'VmBootFailed',
      nonRetryable: false,
    });
  });

  it('anything else passes unchanged, and results pass through', async () => {
    const plain = await acts.plain().catch((e: unknown) => e);
    expect(plain).toBeInstanceOf(RangeError);
    expect(plain).not.toBeInstanceOf(ApplicationFailure);
    expect(await acts.fine(41)).toBe(42);
  });

  it('failureKind reads an FstoError as it reads the ApplicationFailure it becomes', async () => {
    for (const type of Object.keys(FAILURE_KINDS) as (keyof typeof FAILURE_KINDS)[]) {
      const lib = new FstoError('x', type);
      const wrapped = new Error('Activity task failed', { cause: new FstoError('x', type) });
      expect(rootFailureType(lib)).toBe(type);
      expect(failureKind(wrapped)).toBe(FAILURE_KINDS[type]);
      const viaTemporal = await translated({ f: async () => Promise.reject(lib) })
        .f()
        .catch((e: unknown) => e);
      expect(failureKind(viaTemporal)).toBe(FAILURE_KINDS[type]);
    }
  });
});
