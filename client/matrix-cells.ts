import type { WorkflowClient } from '@temporalio/client';
import { cellProgressQuery, progressQuery } from '../common/queries';
import type { CellProgress, MatrixProgress, MatrixRunProgress } from '../common/schemas';

// Live counts of a matrix's running cells. The matrix knows its cells' counts only once they end
// (it gets no progress signals: its history stays bounded), so the CLI asks each running cell,
// and each of the cell's live shards, by query (answered from workflow memory, no history).

/** A cell's done/total from its own progress and its live shards' done counts (pure). */
export function cellCounts(
  cell: CellProgress,
  liveDone: readonly (number | undefined)[],
): { done: number; total: number } {
  const done = cell.settled + liveDone.reduce<number>((a, b) => a + (b ?? 0), 0);
  return { done, total: Math.max(cell.total, done) };
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
            .then((p) => p.done)
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
