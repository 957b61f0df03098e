import { TimeoutType } from '@temporalio/common';
import { ActivityFailure, TimeoutFailure } from '@temporalio/workflow';

/**
 * A step on a host's own queue that nobody picked up in time: the host is gone (its worker
 * does not poll). The run claims another host and goes on with the tests not yet done.
 */
export function isHostLost(err: unknown): boolean {
  return (
    err instanceof ActivityFailure &&
    err.cause instanceof TimeoutFailure &&
    err.cause.timeoutType === TimeoutType.SCHEDULE_TO_START
  );
}
