import type { WorkflowClient } from '@temporalio/client';
import { cellProgressQuery, progressQuery } from '../../common/queries';
import type { CellProgress, MatrixProgress, MatrixRunProgress } from '../../common/schemas';

// Live counts of a matrix's running cells. The matrix knows its cells' counts only once they end
// (it gets no progress signals: its history stays bounded), so the CLI asks each running cell,
// and each of the cell's live shards, by query (answered from workflow memory, no history).

type Counts = { done: number; total: number };

/**
 * A cell's done/total from its own progress and its live shards' (pure). A cell of one shard hands
 * out nothing (its run lists and runs everything itself), so its total is that run's.
 */
export function cellCounts(cell: CellProgress, live: readonly (Counts | undefined)[]): Counts {
  const done = cell.settled + live.reduce<number>((a, b) => a + (b?.done ?? 0), 0);
  const own = cell.shards.length === 1 ? (live[0]?.total ?? 0) : 0;
  return { done, total: Math.max(cell.total, own, done) };
}

async function cellRow(client: WorkflowClient, r: MatrixRunProgress): Promise<MatrixRunProgress> {
  if (r.status !== 'running' || !r.workflowId) return r;
  try {
    const cell = await client.getHandle(r.workflowId).query(cellProgressQuery);
    const live = await Promise.all(
      cell.shards
        .filter((s) => s.verdicts === undefined)
        .map((s) =>
          client
            .getHandle(s.workflowId)
            .query(progressQuery)
            .then((p): Counts => ({ done: p.done, total: p.total }))
            .catch(() => undefined),
        ),
    );
    return { ...r, ...cellCounts(cell, live) };
  } catch {
    return r; // the cell has not started on a worker yet, or just ended
  }
}

/** The matrix's progress with live counts filled in for its running cells. */
export async function liveProgress(client: WorkflowClient, p: MatrixProgress): Promise<MatrixProgress> {
  const runs = await Promise.all(p.runs.map((r) => cellRow(client, r)));
  const sum = (k: 'done' | 'total') => runs.reduce((a, r) => a + r[k], 0);
  return { runs, done: sum('done'), total: sum('total') };
}
