import { z } from 'zod';
import { RunFailureKind, RunStatus } from './run';
import { Comparison } from './results';
import { Confirmation } from './confirm';
import { AutoBisection } from './auto-bisect';
import { Verdict } from './tests';

// What a matrix reports while it runs (the `matrixProgress` and `cellProgress` queries) and when
// it ends. Bounded: a cell's result carries counts, the failing tests (capped) and pointers; every
// test's verdict lives in the shards' run results and in the host's results store.

export const MatrixRunStatus = z.enum(['pending', 'running', ...RunStatus.options]);
export type MatrixRunStatus = z.infer<typeof MatrixRunStatus>;

/** One config × kernel as the matrix sees it now; done/total count tests over all its shards. */
export const MatrixRunProgress = z.object({
  config: z.string(),
  kernel: z.string(),
  /** The cell's workflow id (fstestsCell) once started: query it for live counts. */
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

/** One shard of a cell as the cell sees it (`cellProgress`): live, or ended with its verdicts. */
export const CellShardProgress = z.object({
  workflowId: z.string(),
  /** Set once the shard's run ended: how many verdicts its summary has. */
  verdicts: z.number().int().nonnegative().optional(),
});
export const CellProgress = z.object({
  status: MatrixRunStatus,
  /** Listed tests (0 until a shard listed the selection). */
  total: z.number().int().nonnegative(),
  /** Verdicts of ended shards plus the cell's own (tests no shard could give one). */
  settled: z.number().int().nonnegative(),
  shards: z.array(CellShardProgress),
  /** Pull replies that handed tests out so far. */
  handOuts: z.number().int().nonnegative(),
});
export type CellProgress = z.infer<typeof CellProgress>;

/** A failing (or error) test of a cell: enough to name it; the rest is in the store. */
export const FailingTest = z.object({
  name: z.string(),
  verdict: Verdict,
  /** The crash signature or the first line of the reason, short. */
  signature: z.string().max(200).optional(),
  /** The shard run that gave the verdict (its artifacts are there), or the cell's own id. */
  workflowId: z.string(),
});
export type FailingTest = z.infer<typeof FailingTest>;

/** Pointers to a shard's run: where its results and report are. */
export const ShardRef = z.object({
  workflowId: z.string(),
  status: RunStatus.optional(),
  hostId: z.string().optional(),
  resultsDir: z.string().optional(),
  report: z.string().optional(),
  /** Verdicts in its summary. */
  tests: z.number().int().nonnegative(),
  /** Why it ended early (with or without a summary). */
  error: z.string().optional(),
  /** And the kind of that failure, when known. */
  failure: RunFailureKind.optional(),
  /** Its cleanup could not release everything (its verdicts count all the same). */
  releaseError: z.string().optional(),
  /** Its results could not be recorded in the store (its verdicts count; the matrix report lacks them). */
  filingError: z.string().optional(),
});
export type ShardRef = z.infer<typeof ShardRef>;

/** A config × kernel's outcome (fstestsCell's result): counts, failing tests, pointers. */
export const MatrixRunResult = z.object({
  config: z.string(),
  kernel: z.string(),
  /** The cell's workflow id. */
  workflowId: z.string(),
  status: RunStatus,
  /** Tests listed for the cell, and verdicts given (equal when every listed test has one). */
  listed: z.number().int().nonnegative(),
  tests: z.number().int().nonnegative(),
  /** Verdicts by kind: pass, fail, notrun, … (absent kinds are 0). */
  counts: z.record(z.string(), z.number().int().nonnegative()),
  /** Tests whose verdict fails the run or is `error`, capped; failingMore says how many more. */
  failing: z.array(FailingTest),
  failingMore: z.number().int().nonnegative(),
  hostId: z.string().optional(),
  resultsDir: z.string().optional(),
  kernelRelease: z.string().optional(),
  shards: z.array(ShardRef),
  /** Pull replies that handed tests out (sharded cells). */
  handOuts: z.number().int().nonnegative().optional(),
  /** Why the cell did not finish, when status is error or cancelled. */
  error: z.string().optional(),
  /** The kind of its shards' failures: bad input only when every one was bad input. */
  failure: RunFailureKind.optional(),
});
export type MatrixRunResult = z.infer<typeof MatrixRunResult>;

export const MatrixSummary = z.object({
  workflowId: z.string(),
  status: RunStatus,
  runs: z.array(MatrixRunResult),
  /** One line per cell in error (no or not every test ran): the FstoOutcome is then `error`. */
  errors: z.array(z.string()).optional(),
  /** Against the baseline: lists capped at COMPARISON_CAP each (`more`, `full` say the rest). */
  comparison: Comparison.optional(),
  /** The matrix's HTML report (tests × runs, diff against the baseline), on the host that wrote it. */
  report: z.string().optional(),
  /** The head of each kernel source's branch when the night started (what every cell built). */
  kernelHeads: z
    .array(z.object({ tree: z.string(), ref: z.string(), commit: z.string(), subject: z.string() }))
    .optional(),
  /** Its regressions rerun (spec's confirm): "regression (confirmed 5/5)", "flaky (2/5)", … */
  confirmations: z.array(Confirmation).optional(),
  /** Its confirmed regressions' bisections (spec's autoBisect): started (ids), or why not. */
  bisections: z.array(AutoBisection).optional(),
});
export type MatrixSummary = z.infer<typeof MatrixSummary>;

/** What a night found about its regressions: for the report, the notification, the CLI. */
export const NightNotes = MatrixSummary.pick({ confirmations: true, bisections: true });
export type NightNotes = z.infer<typeof NightNotes>;

/** failed if any run failed; else error, else cancelled, else passed (none: passed). */
export function matrixStatusOf(runs: readonly { status: RunStatus }[]): RunStatus {
  for (const s of ['failed', 'error', 'cancelled'] as const) if (runs.some((r) => r.status === s)) return s;
  return 'passed';
}
