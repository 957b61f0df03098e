import { WorkflowNotFoundError, type WorkflowClient } from '@temporalio/client';

/**
 * The reaper's question "is this run still open?", answered by Temporal. A ledger's run key is
 * the workflow id. Unknown workflows count as closed: nothing will ever come back for them.
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
