import { WorkflowFailedError } from '@temporalio/client';
import {
  ActivityFailure,
  ApplicationFailure,
  RetryState,
  TimeoutFailure,
  TimeoutType,
} from '@temporalio/common';
import { describe, expect, it } from 'vitest';
import { exitCodeForFailure } from '../../client/core/exit-codes';
import { FAILURE_KINDS, failureKind, INVALID_SPEC } from '../../common/errors';

// A run's failure reaches the CLI as WorkflowFailedError → ActivityFailure → ApplicationFailure:
// the exit code comes from the innermost failure's type (README: 2 bad input, 3 infrastructure).
const runFailed = (cause: Error) =>
  new WorkflowFailedError(
    'Workflow execution failed',
    new ActivityFailure(
      'Activity task failed',
      'prepareRun',
      '1',
      RetryState.NON_RETRYABLE_FAILURE,
      'w',
      cause,
    ),
    RetryState.NON_RETRYABLE_FAILURE,
  );

describe("a failed run's exit code", () => {
  it('is 2 for input only the host could refuse, 3 for anything else', () => {
    const refused = ApplicationFailure.nonRetryable('fstests: /x/check is missing', INVALID_SPEC);
    expect(exitCodeForFailure(failureKind(runFailed(refused)))).toBe(2);
    expect(exitCodeForFailure(failureKind(refused))).toBe(2);
    const unknown = ApplicationFailure.nonRetryable('something broke', 'NotFstos');
    expect(exitCodeForFailure(failureKind(runFailed(unknown)))).toBe(3);
    expect(
      exitCodeForFailure(
        failureKind(runFailed(new TimeoutFailure('lost', undefined, TimeoutType.SCHEDULE_TO_START))),
      ),
    ).toBe(3);
    expect(exitCodeForFailure(failureKind(new Error('plain')))).toBe(3);
  });

  it('is defined for every failure type fsto throws', () => {
    for (const type of Object.keys(FAILURE_KINDS)) {
      const code = exitCodeForFailure(failureKind(runFailed(ApplicationFailure.nonRetryable('x', type))));
      // 5: a kernel built from git did not build (KernelBuildFailed).
      expect([2, 3, 5], type).toContain(code);
    }
  });
});
