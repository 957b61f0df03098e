import { WorkflowNotFoundError, type WorkflowClient } from '@temporalio/client';

/**
 * The reaper's question "is this run still open?", answered by the Temporal server that owns
 * the run (the reaper asks only about runs of its own server: activities/ledger/reaper.ts). A
 * ledger's run key is the workflow id. A workflow its own server does not know counts as closed:
 * nothing will ever come back for it.
 */
export function makeIsRunOpen(client: WorkflowClient): (runKey: string) => Promise<boolean> {
  return async (runKey) => {
    try {
      const desc = await client.getHandle(runKey).describe();
      return desc.status.name === 'RUNNING';
    } catch (err) {
      if (err instanceof WorkflowNotFoundError) return false;
      throw err;
    }
  };
}
