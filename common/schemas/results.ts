import { z } from 'zod';
import { TestName, Verdict } from './tests';

// Known failures, the results store's rows, and the comparison of two runs or matrices.

/** A kernel release bound, compared with numeric-aware ordering (6.10 after 6.9). */
const KernelBound = z
  .string()
  .regex(/^[0-9][A-Za-z0-9._+~-]{0,63}$/, 'give a kernel release such as 6.1 or 6.8.0-rc3');

/**
 * A known failure of one test. Bounds are inclusive and match as prefixes: kernelMax "6.1"
 * covers 6.1, 6.1.5 and 6.1.0-26-amd64 but not 6.2; kernelMin "6.8" covers 6.8-rc1.
 */
export const ExpungeEntry = z.strictObject({
  test: TestName,
  reason: z.string().min(1, 'say why the test is expunged (a bug link, a commit)').max(500),
  kernelMin: KernelBound.optional(),
  kernelMax: KernelBound.optional(),
});
export type ExpungeEntry = z.infer<typeof ExpungeEntry>;

/** One test result of one run, as the store keeps it. */
export const ResultRow = z.object({
  workflowId: z.string(),
  /** The matrix this run belonged to, if any. */
  matrixId: z.string().optional(),
  /** ISO timestamp of when the run was recorded. */
  finishedAt: z.string(),
  config: z.string(),
  test: z.string(),
  verdict: Verdict,
  durationSec: z.number().nonnegative(),
  kernelRelease: z.string().optional(),
  fstestsVersion: z.string().optional(),
  host: z.string(),
  reason: z.string().optional(),
  crashSignature: z.string().optional(),
  flakyAttempts: z.number().int().positive().optional(),
});
export type ResultRow = z.infer<typeof ResultRow>;

/** One recorded run, newest first in `lastRuns`. */
export const RunRecord = z.object({
  workflowId: z.string(),
  matrixId: z.string().optional(),
  finishedAt: z.string(),
  config: z.string(),
  kernelRelease: z.string().optional(),
  fstestsVersion: z.string().optional(),
  host: z.string(),
  status: z.string(),
  resultsDir: z.string(),
  counts: z.record(z.string(), z.number().int().nonnegative()),
});
export type RunRecord = z.infer<typeof RunRecord>;

/** A test whose verdict differs (or matters) between the base and the current side. */
export const ComparedTest = z.object({
  config: z.string(),
  test: z.string(),
  /** Undefined: the test is absent on that side. */
  base: Verdict.optional(),
  current: Verdict.optional(),
});
export type ComparedTest = z.infer<typeof ComparedTest>;

export const FlakyTest = ComparedTest.extend({
  /** Share of the runs seen (history plus both sides) where the test failed at least once. */
  rate: z.number().min(0).max(1),
  runs: z.number().int().nonnegative(),
});
export type FlakyTest = z.infer<typeof FlakyTest>;

/** `regressed` only when a test that did not fail before fails now (and is not known flaky). */
export const CompareOutcome = z.enum(['regressed', 'improved', 'unchanged']);
export type CompareOutcome = z.infer<typeof CompareOutcome>;

export const Comparison = z.object({
  base: z.string(),
  current: z.string(),
  outcome: CompareOutcome,
  regressions: z.array(ComparedTest),
  fixes: z.array(ComparedTest),
  stillFailing: z.array(ComparedTest),
  newlyNotRun: z.array(ComparedTest),
  flaky: z.array(FlakyTest),
  /** Tests only the current side has (new tests, new configs) that did not fail. */
  added: z.array(ComparedTest),
  /** Keys (config+test) present on both sides with the same non-failing verdict. */
  unchanged: z.number().int().nonnegative(),
  /** The kernels built from git each side tested (`tree@branch=commit`), when the matrix named sources. */
  kernels: z.object({ base: z.array(z.string()).optional(), current: z.array(z.string()) }).optional(),
  /** Set when the lists were capped (a comparison crossing a workflow boundary): how many each left out. */
  more: z.record(z.string(), z.number().int().nonnegative()).optional(),
  /** Where the whole comparison is (a JSON file on the host that wrote the report), when capped. */
  full: z.string().optional(),
});
export type Comparison = z.infer<typeof Comparison>;
