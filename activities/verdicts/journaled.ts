import type { TestResult } from '../../common/schemas';
import { Beneath } from '../beneath';
import { BatchJournal } from './journal';

const SUFFIX = '.results.jsonl';

/**
 * Verdicts of `wanted` tests from every batch journal of a run (<resultsDir>/<label>.results.jsonl),
 * in the order the batches ran. A run cancelled mid-batch knows only the verdicts its last
 * progress signal carried; the host journaled the rest as the tests finished.
 */
export async function journaledVerdicts(
  resultsDir: string,
  wanted: readonly string[] | 'all',
  /** With `all`: the verdicts the run has already (never taken from a journal again). */
  known: readonly TestResult[] = [],
): Promise<TestResult[]> {
  if (wanted.length === 0) return [];
  const have = new Set(known.map((t) => t.name));
  const named = wanted === 'all' ? undefined : new Set(wanted);
  const want = { has: (t: string) => (named ? named.has(t) : !have.has(t)) };
  const labels = (await new Beneath(resultsDir).readdir(resultsDir).catch(() => []))
    .filter((e) => e.isFile() && e.name.endsWith(SUFFIX))
    .map((e) => e.name)
    .map((f) => f.slice(0, -SUFFIX.length))
    .sort((a, b) => a.localeCompare(b, 'en', { numeric: true }));
  const found = new Map<string, TestResult>();
  for (const label of labels) {
    for (const [name, r] of await new BatchJournal(resultsDir, label).finished()) {
      if (want.has(name)) found.set(name, r);
    }
  }
  return [...found.values()];
}
