import { z } from 'zod';
import { RunStatus, RunSummary } from './run';
import { Comparison } from './results';

// What a matrix reports while it runs (the `matrixProgress` query) and when it ends.

export const MatrixRunStatus = z.enum(['pending', 'running', ...RunStatus.options]);
export type MatrixRunStatus = z.infer<typeof MatrixRunStatus>;

/** One config × kernel as the matrix sees it now; done/total count tests over all its shards. */
export const MatrixRunProgress = z.object({
  config: z.string(),
  kernel: z.string(),
  /** The child run's workflow id (the first shard's) once started. */
  workflowId: z.string().optional(),
  status: MatrixRunStatus,
  done: z.number().int().nonnegative(),
  total: z.number().int().nonnegative(),
});
export type MatrixRunProgress = z.infer<typeof MatrixRunProgress>;

export const MatrixProgress = z.object({
  runs: z.array(MatrixRunProgress),
  done: z.number().int().nonnegative(),
  total: z.number().int().nonnegative(),
});
export type MatrixProgress = z.infer<typeof MatrixProgress>;

/**
 * A config × kernel's outcome: a RunSummary (shards merged) plus which cell it is. hostId and
 * resultsDir are optional because a run can fail before it claims a host.
 */
export const MatrixRunResult = RunSummary.extend({
  config: z.string(),
  kernel: z.string(),
  hostId: z.string().optional(),
  resultsDir: z.string().optional(),
  /** Why the run did not finish, when status is error or cancelled. */
  error: z.string().optional(),
  /** Every shard's workflow id, when the tests were spread over several VMs. */
  shardWorkflowIds: z.array(z.string()).optional(),
});
export type MatrixRunResult = z.infer<typeof MatrixRunResult>;

export const MatrixSummary = z.object({
  workflowId: z.string(),
  status: RunStatus,
  runs: z.array(MatrixRunResult),
  /** Against `baseline`, when the spec named one (results.ts's Comparison). */
  comparison: Comparison.optional(),
  /** The matrix's HTML report (tests × runs, diff against the baseline), on the host that wrote it. */
  report: z.string().optional(),
});
export type MatrixSummary = z.infer<typeof MatrixSummary>;

/** failed if any run failed; else error, else cancelled, else passed (none: passed). */
export function matrixStatusOf(runs: readonly { status: RunStatus }[]): RunStatus {
  for (const s of ['failed', 'error', 'cancelled'] as const) if (runs.some((r) => r.status === s)) return s;
  return 'passed';
}
