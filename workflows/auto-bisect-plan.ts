import {
  type AutoBisection,
  type AutoBisectSpec,
  type BisectSpecInput,
  type Confirmation,
  type MatrixRunPlan,
} from '../common/schemas';
import type { KernelHead } from './kernel-heads';

// Which bisections a night's confirmations call for (pure; test/unit/auto-bisect-plan.test.ts).
// One per cell (config × kernel) with a confirmed regression (never a flaky or unreproduced one):
// good = the previous night's commit of that kernel's branch (the baseline's kernels, as the
// report's kernel sidecar names them: `tree@branch=commit`), bad = this night's (the cell's
// pinned source), the tests = the cell's confirmed ones, the run = the cell's spec.

export interface AutoBisectPlan {
  /** The cell's plan index, and the bisection as the night reports it. */
  index: number;
  bisection: AutoBisection;
  /** Set when it can start (good known and not this night's commit). */
  spec?: BisectSpecInput;
}

export interface AutoBisectInput {
  autoBisect: AutoBisectSpec;
  confirmations: readonly Confirmation[];
  plans: readonly MatrixRunPlan[];
  heads: readonly KernelHead[];
  /** The baseline night's kernels (`tree@branch=commit`), when its report named them. */
  baseKernels?: readonly string[];
}

/** The previous night's commit of `tree@ref` in the baseline's kernels, if named there. */
export function previousCommit(base: readonly string[] | undefined, tree: string, ref: string) {
  const prefix = `${tree}@${ref}=`;
  const hit = base?.find((k) => k.startsWith(prefix));
  return hit ? hit.slice(prefix.length) : undefined;
}

export function autoBisectPlans(input: AutoBisectInput): AutoBisectPlan[] {
  const byCell = new Map<number, string[]>();
  for (const c of input.confirmations) {
    if (c.verdict !== 'confirmed') continue;
    const i = input.plans.findIndex((p) => p.config === c.config && p.kernel === c.kernel);
    if (i >= 0) byCell.set(i, [...(byCell.get(i) ?? []), c.test]);
  }
  return [...byCell].flatMap(([index, tests]): AutoBisectPlan[] => {
    const plan = input.plans[index]!;
    const source = plan.spec.kernel;
    if (typeof source !== 'object') return [];
    const head = input.heads.find((h) => h.tree === source.tree && h.commit === source.ref);
    const bad = source.ref;
    const good = head && previousCommit(input.baseKernels, head.tree, head.ref);
    const bisection: AutoBisection = { config: plan.config, kernel: plan.kernel, tests, bad };
    if (!good)
      return [{ index, bisection: { ...bisection, reason: "the previous night's commit is unknown" } }];
    if (good === bad)
      return [
        { index, bisection: { ...bisection, good, reason: 'the previous night tested the same commit' } },
      ];
    const { kernel: _k, excludeFile: _x, resultsMeta: _m, ...run } = plan.spec;
    const spec: BisectSpecInput = {
      tree: source.tree,
      good,
      bad,
      ...(source.config ? { config: source.config } : {}),
      fragments: source.fragments ?? [],
      runs: input.autoBisect.runs,
      run: { ...run, tests, groups: [], excludeGroups: [], flakyRetries: 0 },
    };
    return [{ index, bisection: { ...bisection, good }, spec }];
  });
}
