import { z } from 'zod';
import { GitRef, KernelConfig } from './kernel-source';
import { RunSpec } from './run';

// A bisection (workflows/bisect.ts): good and bad refs of a tree, the tests that tell them apart.

export const BisectSpec = z.strictObject({
  tree: z.string().startsWith('/', 'give an absolute path to the kernel git tree'),
  good: GitRef,
  bad: GitRef,
  config: KernelConfig.optional(),
  fragments: z
    .array(z.string().startsWith('/', 'give absolute paths to the config fragments'))
    .max(20)
    .default([]),
  /** A step runs the tests up to `runs` times: the first failure makes it bad, `runs` passes good. */
  runs: z.number().int().min(1).max(20).default(1),
  /** The run each step starts (its kernel is the step's commit); tests or groups must be named. */
  run: RunSpec.refine((r) => r.kernel === undefined, {
    message: 'no kernel: each step builds its own',
    path: ['kernel'],
  }).refine((r) => r.tests.length + r.groups.length > 0, {
    message: 'name the tests that tell good from bad',
    path: ['tests'],
  }),
});
export type BisectSpecInput = z.input<typeof BisectSpec>;
export type BisectSpec = z.output<typeof BisectSpec>;

export const BisectVerdict = z.enum(['good', 'bad', 'skip']);
export type BisectVerdict = z.infer<typeof BisectVerdict>;

export const BisectStep = z.object({
  commit: z.string(),
  verdict: BisectVerdict,
  /** Each run of the step's tests: its workflow id, status and failing tests. */
  runs: z.array(z.object({ workflowId: z.string(), status: z.string(), failed: z.array(z.string()) })),
  /** The build: `git describe`, whether it came from the cache. */
  describe: z.string().optional(),
  cached: z.boolean().optional(),
  /** Why a step was skipped: the build's log tail and path, or the run's error. */
  reason: z.string().optional(),
});
export type BisectStep = z.infer<typeof BisectStep>;

export const BisectProgress = z.object({
  /** Newest known good and oldest known bad commit. */
  good: z.string(),
  bad: z.string(),
  /** Commits still in the range (between good and bad, not skipped). */
  remaining: z.number().int().nonnegative(),
  current: z.string().optional(),
  steps: z.array(BisectStep),
});
export type BisectProgress = z.infer<typeof BisectProgress>;

export const BisectResult = BisectProgress.extend({
  /** The first bad commit, when the range narrowed to one. */
  firstBad: z.object({ commit: z.string(), subject: z.string() }).optional(),
  /** Skipped commits left it open: the first bad is one of these (as `git bisect` says). */
  candidates: z.array(z.string()).optional(),
});
export type BisectResult = z.infer<typeof BisectResult>;
