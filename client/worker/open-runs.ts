import type { Client } from '@temporalio/client';

export interface OpenRun {
  workflowId: string;
  type: string;
}

/**
 * Runs and matrices still open on a task queue: an in-process worker about to start on it will
 * resume them (a run whose command was killed or detached), so the command says so first.
 * Children (a matrix's cells and shards) go with their parent and are not listed.
 */
export async function openRuns(client: Client, taskQueue: string, limit = 20): Promise<OpenRun[]> {
  const found: OpenRun[] = [];
  const query = `ExecutionStatus = "Running" AND TaskQueue = "${taskQueue}" AND ParentWorkflowId IS NULL`;
  for await (const w of client.workflow.list({ query })) {
    found.push({ workflowId: w.workflowId, type: w.type });
    if (found.length >= limit) break;
  }
  return found;
}

export function resumeText(runs: readonly OpenRun[]): string[] {
  if (runs.length === 0) return [];
  return [
    `resuming ${runs.length} run(s) left open by an earlier command (they share this host while they last):`,
    ...runs.map(
      (r) =>
        `  ${r.workflowId} (${r.type})  follow: fsto watch ${r.workflowId}  cancel: fsto cancel ${r.workflowId}`,
    ),
  ];
}
