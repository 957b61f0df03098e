import type { TestResult } from '../common/schemas';

// Verdict parity: the by-hand run is the reference; every test whose fsto verdict differs (or
// that one side did not report) is a difference.

export interface VerdictRow {
  test: string;
  hand?: TestResult;
  fsto?: TestResult;
}

/** Pure: one row per test named by either side or asked for, in test order. */
export function verdictRows(asked: string[], hand: TestResult[], fsto: TestResult[]): VerdictRow[] {
  const names = [...new Set([...asked, ...hand.map((t) => t.name), ...fsto.map((t) => t.name)])].sort();
  const byName = (xs: TestResult[], n: string) => xs.find((t) => t.name === n);
  return names.map((test) => ({ test, hand: byName(hand, test), fsto: byName(fsto, test) }));
}

/** Pure: the rows whose verdicts differ, as lines (reasons shortened). */
export function verdictDiffs(rows: VerdictRow[]): string[] {
  const short = (t?: TestResult) =>
    t ? `${t.verdict}${t.reason ? ` (${t.reason.replace(/\s+/g, ' ').slice(0, 160)})` : ''}` : 'missing';
  return rows
    .filter((r) => !r.hand || !r.fsto || r.hand.verdict !== r.fsto.verdict)
    .map((r) => `${r.test}: by hand ${short(r.hand)}; fsto ${short(r.fsto)}`);
}
