import {
  isFailing,
  runStatusOf,
  type MatrixRunPlan,
  type MatrixRunResult,
  type RunSummary,
  type TestResult,
} from '../common/schemas';

export type ShardOutcome = { workflowId: string; summary?: RunSummary; error?: string };

/** One config × kernel from its shards: every test once, the run's status from all of them. */
export function mergeShards(plan: MatrixRunPlan, shards: readonly ShardOutcome[]): MatrixRunResult {
  const tests = new Map<string, TestResult>();
  for (const s of shards) for (const t of s.summary?.tests ?? []) tests.set(t.name, t);
  const done = shards.filter((s) => s.summary);
  const errors = shards.flatMap((s) => (s.error ? [`${s.workflowId}: ${s.error}`] : []));
  const all = [...tests.values()];
  const first = done[0]?.summary;
  return {
    config: plan.config,
    kernel: plan.kernel,
    workflowId: shards[0]?.workflowId ?? '',
    status: errors.length && !all.some((t) => isFailing(t.verdict)) ? 'error' : runStatusOf(all),
    tests: all,
    ...(first
      ? { hostId: first.hostId, resultsDir: first.resultsDir, kernelRelease: first.kernelRelease }
      : {}),
    ...(errors.length ? { error: errors.join('\n') } : {}),
    ...(shards.length > 1 ? { shardWorkflowIds: shards.map((s) => s.workflowId) } : {}),
  };
}
