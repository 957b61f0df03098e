import { z } from 'zod';

// Bisecting a night's confirmed regressions by itself (opt-in: MatrixSpec.autoBisect;
// workflows/auto-bisect.ts): a cell whose regression was confirmed, and whose kernel source's
// previous night's commit is known, starts one fstestsBisect from that commit (good) to this
// night's (bad) over the cell's confirmed tests. The matrix does not wait for it.

export const AutoBisectSpec = z.strictObject({
  /** Each step runs the tests up to `runs` times for a pass (BisectSpec.runs). */
  runs: z.number().int().min(1).max(20, 'at most 20 runs per step').default(1),
});
export type AutoBisectSpecInput = z.input<typeof AutoBisectSpec>;
export type AutoBisectSpec = z.output<typeof AutoBisectSpec>;

/** One cell's bisection as the night reports it: started (its id), or why not. */
export const AutoBisection = z.object({
  config: z.string(),
  kernel: z.string(),
  /** The cell's confirmed regressions: what the bisection runs. */
  tests: z.array(z.string()),
  /** The previous night's commit (absent: unknown) and this night's. */
  good: z.string().optional(),
  bad: z.string(),
  /** `<matrix>.bisect.<cell>`, when started (or started before: a rerun of the same matrix). */
  workflowId: z.string().optional(),
  /** Why none was started ("the previous night's commit is unknown", the start's error). */
  reason: z.string().optional(),
});
export type AutoBisection = z.infer<typeof AutoBisection>;
