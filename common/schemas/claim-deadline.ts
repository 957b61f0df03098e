import { z } from 'zod';

/** A year and a day: a schedule's longest gap between nights (@yearly) fits. */
export const MAX_CLAIM_WITHIN_SEC = 366 * 86400;

/**
 * How long a run's (a matrix's shards') claim may wait for a host to start taking it (Temporal's
 * scheduleToStartTimeout on the claim queue). Past it the run ends with no test run, "unclaimed:
 * no host took this shard within N s", and its matrix completes and tells the night. Unset: the
 * claim waits as long as every host is busy (`fsto schedule create` sets it to the gap between nights).
 */
export const ClaimWithinSec = z
  .number({ error: 'give a number of seconds' })
  .int('give whole seconds')
  .positive('give a positive number of seconds')
  .max(MAX_CLAIM_WITHIN_SEC, `at most ${MAX_CLAIM_WITHIN_SEC} s (366 days)`);

/** What a run's claim is given (claimHost's input): the deadline, when the run has one. */
export const ClaimHostInput = z.object({ withinSec: ClaimWithinSec.optional() });
export type ClaimHostInput = z.infer<typeof ClaimHostInput>;
