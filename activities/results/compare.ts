import {
  FAILING_VERDICTS,
  RAN_VERDICTS,
  worstVerdict,
  type ComparedTest,
  type Comparison,
  type CompareOutcome,
  type FlakyTest,
  type ResultRow,
} from '../../common/schemas';

// Comparing two runs or two matrices (pure). Results are keyed by config + test; a side that
// holds several rows for one key (a matrix over several kernels) keeps the worst verdict.
// Failing is isFailing (common/schemas/tests.ts). A test that is flaky — it failed then passed on a retry
// in either run, or its history has both passes and failures — is listed under `flaky` with its
// rate instead of as a regression or a fix, so the outcome says `regressed` only for new failures.

export type CompareRow = Pick<ResultRow, 'config' | 'test' | 'verdict'> &
  Partial<Pick<ResultRow, 'flakyAttempts'>>;

export const keyOf = (r: Pick<ResultRow, 'config' | 'test'>): string => `${r.config}\u0000${r.test}`;

function byKey(rows: readonly CompareRow[]): Map<string, CompareRow> {
  const m = new Map<string, CompareRow>();
  for (const r of rows) {
    const prev = m.get(keyOf(r));
    if (!prev) {
      m.set(keyOf(r), r); // one row per key: the row itself (no copy)
      continue;
    }
    const worse =
      !prev || (r.verdict !== prev.verdict && worstVerdict([r.verdict, prev.verdict]) === r.verdict);
    const flakyAttempts = prev?.flakyAttempts ?? r.flakyAttempts;
    if (worse) m.set(keyOf(r), { ...r, ...(flakyAttempts ? { flakyAttempts } : {}) });
    else if (r.flakyAttempts && prev && !prev.flakyAttempts)
      m.set(keyOf(r), { ...prev, flakyAttempts: r.flakyAttempts });
  }
  return m;
}

/** Whether one row shows a failure: a failing verdict, or a pass that needed retries. */
const failedOnce = (r: CompareRow) => FAILING_VERDICTS.has(r.verdict) || (r.flakyAttempts ?? 0) > 1;

/** A row with nothing to tell: not failing, not a known failure, no retries. */
const quiet = (r: CompareRow) => !failedOnce(r) && r.verdict !== 'expunged';

export interface FlakyStat {
  rate: number;
  runs: number;
}

/** Per config+test: the share of runs (that ran the test) where it failed at least once. */
export function flakyRates(history: readonly CompareRow[]): Map<string, FlakyStat> {
  const acc = new Map<string, { failed: number; runs: number }>();
  for (const r of history) {
    if (!RAN_VERDICTS.has(r.verdict)) continue;
    const a = acc.get(keyOf(r)) ?? { failed: 0, runs: 0 };
    a.runs++;
    if (failedOnce(r)) a.failed++;
    acc.set(keyOf(r), a);
  }
  return new Map([...acc].map(([k, a]) => [k, { rate: a.failed / a.runs, runs: a.runs }]));
}

export interface CompareInput {
  /** Labels for the two sides (workflow or matrix ids). */
  baseId: string;
  currentId: string;
  base: readonly CompareRow[];
  current: readonly CompareRow[];
  /** Rows of the same tests from other runs (not base or current), to tell flaky from failing. */
  history?: readonly CompareRow[];
}

// One collator: localeCompare with options builds one per call (~10 µs each).
const natural = new Intl.Collator('en', { numeric: true }).compare;
const order = (a: ComparedTest, b: ComparedTest) => natural(a.config, b.config) || natural(a.test, b.test);

export function compareRuns(input: CompareInput): Comparison {
  const base = byKey(input.base);
  const cur = byKey(input.current);
  // History grouped by key once: each key then looks at its own rows only (linear in rows).
  const history = new Map<string, CompareRow[]>();
  for (const h of input.history ?? []) {
    const list = history.get(keyOf(h));
    if (list) list.push(h);
    else history.set(keyOf(h), [h]);
  }
  const out: Omit<Comparison, 'outcome' | 'base' | 'current'> = {
    regressions: [],
    fixes: [],
    stillFailing: [],
    newlyNotRun: [],
    flaky: [],
    added: [],
    unchanged: 0,
  };
  const keys = [...base.keys()];
  for (const k of cur.keys()) if (!base.has(k)) keys.push(k);
  for (const key of keys) {
    const b = base.get(key);
    const c = cur.get(key);
    // Most keys of a night: the same verdict, no failure, no past — unchanged, and nothing more
    // to work out (what the general case below concludes for them too).
    if (b && c && b.verdict === c.verdict && !history.has(key) && quiet(b) && quiet(c)) {
      out.unchanged++;
      continue;
    }
    const some = (c ?? b)!;
    const entry: ComparedTest = {
      config: some.config,
      test: some.test,
      base: b?.verdict,
      current: c?.verdict,
    };
    // Flaky: a retry turned a failure into a pass on either side or in history, or the test
    // both passed and failed BEFORE the current run (the change itself is no evidence of flakiness).
    const past = history.get(key);
    const prior = past ? [...past, ...(b ? [b] : [])] : b ? [b] : [];
    const rows = c ? [...prior, c] : prior;
    const flaky =
      rows.some((r) => (r.flakyAttempts ?? 0) > 1) ||
      (prior.some(failedOnce) && prior.some((r) => r.verdict === 'pass' && !failedOnce(r)));
    const stat = flaky ? flakyRates(rows).get(key) : undefined;
    // A known failure (expunged) before counts as failing: failing again is not new, passing is a fix.
    const bFail = b !== undefined && (FAILING_VERDICTS.has(b.verdict) || b.verdict === 'expunged');
    const cFail = c !== undefined && FAILING_VERDICTS.has(c.verdict);
    if (flaky && stat) out.flaky.push({ ...entry, rate: stat.rate, runs: stat.runs } satisfies FlakyTest);
    if (cFail && bFail) out.stillFailing.push(entry);
    else if (cFail && !flaky) out.regressions.push(entry);
    else if (bFail && c?.verdict === 'pass' && !flaky) out.fixes.push(entry);
    else if (b && RAN_VERDICTS.has(b.verdict) && (!c || c.verdict === 'notrun')) out.newlyNotRun.push(entry);
    else if (!b && c && !cFail) out.added.push(entry);
    else if (b && c && b.verdict === c.verdict) out.unchanged++;
  }
  for (const list of [out.regressions, out.fixes, out.stillFailing, out.newlyNotRun, out.added])
    list.sort(order);
  out.flaky.sort(order);
  const outcome: CompareOutcome = out.regressions.length
    ? 'regressed'
    : out.fixes.length
      ? 'improved'
      : 'unchanged';
  return { base: input.baseId, current: input.currentId, outcome, ...out };
}
