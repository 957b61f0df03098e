import type { ConfirmVerdict } from '../common/schemas';

// The arithmetic of confirming a regression (pure; test/unit/confirm-plan.test.ts).
//
// How many reruns: enough that a test which merely fails at its old rate p would fail every one
// of them by chance less than 1 time in 100 (p^N < 0.01). A test with no failures in the store
// is taken as failing 35% of the time (one bad night says little): 5 runs. A test that failed
// half of its past runs needs 7, one at 60% needs 10; at most maxRuns.

export const CHANCE = 0.01;
export const FLOOR_RATE = 0.35;

export function runsFor(rate: number, maxRuns: number): number {
  const p = Math.min(Math.max(rate, FLOOR_RATE), 0.99);
  return Math.min(maxRuns, Math.max(2, Math.ceil(Math.log(CHANCE) / Math.log(p))));
}

/** Failed every rerun: confirmed; some: flaky; none: not reproduced. */
export function confirmVerdict(failed: number, runs: number): { verdict: ConfirmVerdict; text: string } {
  if (runs > 0 && failed === runs)
    return { verdict: 'confirmed', text: `regression (confirmed ${failed}/${runs})` };
  if (failed > 0) return { verdict: 'flaky', text: `flaky (${failed}/${runs})` };
  return { verdict: 'not-reproduced', text: `not reproduced (0/${runs})` };
}
