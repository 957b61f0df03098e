import { z } from 'zod';

// Confirming a regression (opt-in: MatrixSpec.confirm): each test that passed in the baseline and
// fails now is rerun N times on the same config × kernel, N from its failure rate in the results
// store (workflows/confirm-plan.ts), and the night says "regression (confirmed 5/5)", "flaky
// (2/5)" or "not reproduced (0/5)". Bounded: at most maxTests tests, maxRuns runs each, so a
// matrix adds at most maxRuns child runs per confirmed cell (Temporal limits: docs/architecture.md).

export const ConfirmSpec = z.strictObject({
  /** The most reruns of one test (a test that often failed before needs more to be called). */
  maxRuns: z.number().int().min(2).max(20, 'at most 20 reruns').default(10),
  /** The most regressed tests confirmed per night; the rest are left as they are. */
  maxTests: z.number().int().min(1).max(20, 'at most 20 tests').default(5),
});
export type ConfirmSpecInput = z.input<typeof ConfirmSpec>;
export type ConfirmSpec = z.output<typeof ConfirmSpec>;

export const ConfirmVerdict = z.enum(['confirmed', 'flaky', 'not-reproduced']);
export type ConfirmVerdict = z.infer<typeof ConfirmVerdict>;

export const Confirmation = z.object({
  config: z.string(),
  kernel: z.string(),
  test: z.string(),
  /** Its failure rate in the store before this night (every config), and over how many runs. */
  rate: z.number().min(0).max(1),
  /** Reruns that failed, of `runs`. */
  failed: z.number().int().nonnegative(),
  runs: z.number().int().nonnegative(),
  verdict: ConfirmVerdict,
  /** "regression (confirmed 5/5)", "flaky (2/5)", "not reproduced (0/5)". */
  text: z.string(),
  /** The rerun runs (child workflow ids). */
  workflowIds: z.array(z.string()),
});
export type Confirmation = z.infer<typeof Confirmation>;
