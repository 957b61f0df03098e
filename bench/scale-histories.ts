import type { Client } from '@temporalio/client';
import type { MatrixSummary, RunSummary } from '../common/schemas';

// What bench/scale.ts reads back from the server after a matrix: every execution's history
// size and Update count (the real histories), and every shard's verdicts.

export interface ExecutionSize {
  workflowId: string;
  events: number;
  updates: number;
}

/** The matrix, its cells and their shards: history events and accepted Updates of each. */
export async function executionSizes(client: Client, s: MatrixSummary): Promise<ExecutionSize[]> {
  const ids = [s.workflowId, ...s.runs.flatMap((r) => [r.workflowId, ...r.shards.map((x) => x.workflowId)])];
  const out: ExecutionSize[] = [];
  for (const workflowId of ids) {
    const events = (await client.workflow.getHandle(workflowId).fetchHistory()).events ?? [];
    const updates = events.filter((e) => e.workflowExecutionUpdateAcceptedEventAttributes).length;
    out.push({ workflowId, events: events.length, updates });
  }
  return out;
}

/** Per config: every verdict its shards' results hold, and the cell's own (test → verdicts). */
export async function verdictsByConfig(
  client: Client,
  s: MatrixSummary,
): Promise<Map<string, Map<string, string[]>>> {
  const out = new Map<string, Map<string, string[]>>();
  for (const r of s.runs) {
    const byTest = new Map<string, string[]>();
    const add = (t: string, v: string) => byTest.set(t, [...(byTest.get(t) ?? []), v]);
    for (const shard of r.shards) {
      const summary = (await client.workflow
        .getHandle(shard.workflowId)
        .result()
        .catch(() => undefined)) as RunSummary | undefined;
      for (const t of summary?.tests ?? []) add(t.name, t.verdict);
    }
    for (const f of r.failing) if (f.workflowId === r.workflowId) add(f.name, f.verdict);
    out.set(r.config, byTest);
  }
  return out;
}
