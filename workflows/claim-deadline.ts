import { ApplicationFailure } from '@temporalio/workflow';
import { rootFailureType, rootMessage, UNCLAIMED } from '../common/errors';
import { isHostLost } from './host-loss';

/**
 * Runs started since this patch bound their claim by the spec's claimWithinSec (the claim's
 * scheduleToStartTimeout): no host took it in time, and the run ends unclaimed instead of waiting
 * for ever. Only runs with claimWithinSec (new since this patch) call it.
 */
export const CLAIM_DEADLINE = 'night-claim-deadline';

/**
 * The claim's failure as the run tells it: nobody started the claim within the deadline (the same
 * schedule-to-start timeout that tells a lost host), or the host that started it found no slot
 * free by then (claimHost gives up, holding nothing), is "unclaimed"; anything else as it came.
 */
export function claimFailure(err: unknown, withinSec: number | undefined, shard: boolean): unknown {
  if (withinSec === undefined) return err;
  const waited = rootFailureType(err) === UNCLAIMED;
  if (!waited && !isHostLost(err)) return err;
  return ApplicationFailure.nonRetryable(
    `unclaimed: no host took this ${shard ? 'shard' : 'run'} within ${withinSec} s${waited ? ` (${rootMessage(err)})` : ''}`,
    UNCLAIMED,
  );
}
