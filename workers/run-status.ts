import { WorkflowNotFoundError, type WorkflowClient } from '@temporalio/client';
import type { RunVerdict } from '../activities/ledger/reaper';

/**
 * The reaper's question "is this run still open?", answered by the Temporal server that owns
 * the run (the reaper asks only about runs of its own server: activities/ledger/reaper.ts), by
 * its workflow id (Ledger.workflowIdOf: the run key, or the id it was made of). A workflow its own server does not know counts as closed:
 * nothing will ever come back for it.
 */
export function makeIsRunOpen(client: WorkflowClient): (runKey: string) => Promise<boolean> {
  const verdict = makeRunVerdict(client);
  return async (runKey) => Boolean(await verdict(runKey));
}

/**
 * With `hostQueue`, also where an open run is: a run whose pending steps all wait on other queues
 * (another host's, or the claim queue after it took this host for lost) no longer uses this
 * host. Its steps here are always on this host's queue — a run with a step pending here, or with
 * none pending at all (between two steps), is kept.
 */
export function makeRunVerdict(
  client: WorkflowClient,
  hostQueue?: string,
): (runKey: string) => Promise<RunVerdict> {
  return async (runKey) => {
    let desc;
    try {
      desc = await client.getHandle(runKey).describe();
    } catch (err) {
      if (err instanceof WorkflowNotFoundError) return false;
      throw err;
    }
    if (desc.status.name !== 'RUNNING') return false;
    if (!hostQueue) return true;
    const queues = (desc.raw.pendingActivities ?? []).map((a) => a.activityOptions?.taskQueue?.name ?? '');
    if (queues.length === 0 || queues.some((q) => q === '' || q === hostQueue)) return true;
    return { movedTo: queues[0]! };
  };
}
