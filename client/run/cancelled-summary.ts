import type { WorkflowHandle } from '@temporalio/client';
import { summaryQuery } from '../../common/queries';
import { RunSummary } from '../../common/schemas';

/**
 * The partial verdicts of a cancelled run: from this host's results store (the run's cleanup
 * filed them there with status `cancelled`), else from the run itself (its `summary` query,
 * answered by any worker of its queue from the closed run's history) within `queryMs`.
 */
export async function cancelledSummary(
  handle: WorkflowHandle,
  queryMs = 10_000,
): Promise<RunSummary | undefined> {
  // The results store (SQLite in wasm) is loaded only for a cancelled run.
  const { storedSummary } = await import('./stored-summary');
  const stored = await storedSummary(handle.workflowId).catch(() => undefined);
  if (stored) return stored;
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<undefined>((r) => (timer = setTimeout(r, queryMs, undefined)));
  try {
    const answer = await Promise.race([handle.query(summaryQuery).catch(() => undefined), late]);
    const parsed = RunSummary.safeParse(answer);
    return parsed.success ? parsed.data : undefined;
  } finally {
    clearTimeout(timer);
  }
}
