import { FAILING_VERDICTS, RAN_VERDICTS } from '../../common/schemas';
import type { ResultsStore } from './store-contract';

// A test's failure rate in the results store before a night (the confirmation's N comes from it,
// workflows/confirm-plan.ts): over every config, the night's own runs left out, the newest 50 runs
// that ran it. A run failed the test if its verdict failed or it passed only on a retry.

export interface FailureRate {
  rate: number;
  runs: number;
}

export async function failureRates(
  store: ResultsStore,
  input: { tests: readonly string[]; excludeMatrix: string },
): Promise<Record<string, FailureRate>> {
  const out: Record<string, FailureRate> = {};
  for (const test of new Set(input.tests)) {
    const rows = (await store.testHistory(test, { limit: 200 }))
      .filter((r) => r.matrixId !== input.excludeMatrix && RAN_VERDICTS.has(r.verdict))
      .slice(0, 50);
    const failed = rows.filter((r) => FAILING_VERDICTS.has(r.verdict) || (r.flakyAttempts ?? 0) > 1);
    out[test] = { rate: rows.length ? failed.length / rows.length : 0, runs: rows.length };
  }
  return out;
}
