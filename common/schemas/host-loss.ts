import { z } from 'zod';

/**
 * How long a run's step waits for its host's worker before the run takes the host for lost and
 * claims another (Temporal's scheduleToStartTimeout on the host queue). A run that waits for a
 * VM slot waits in claimHost, not here, so a busy host is never taken for lost whatever this is.
 */
export const HostLossTimeoutSec = z
  .number({ error: 'give a number of seconds' })
  .int('give whole seconds')
  .min(10, 'at least 10 s (a worker restart alone takes seconds)')
  .max(86400, 'at most 86400 s (a day)');
