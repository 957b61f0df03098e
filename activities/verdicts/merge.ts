import { worstVerdict, type TestResult, type Verdict } from '../../common/schemas';
import type { ProgressEvent } from './progress';

// The final per-test verdicts of ONE check invocation from whatever exists (pure).
// Sources, strongest first:
//   1. the orchestrator's marks (crashed, hung, error): it saw the kernel die or the test hang,
//      which fstests cannot report;
//   2. result.xml of THIS invocation: fstests' own report, rewritten before every test (so it
//      survives a crash minus the running test; docs/architecture.md, "Truth of results");
//   3. check's stdout, parsed by ProgressParser (kept by the orchestrator as it streamed).
// Exactly one verdict per expected test: when check exited by itself (`checkExit`), a test it
// gave no verdict (never started, or started and never reported) is `error` with check's exit
// status and the tail of its output. When the orchestrator stopped check (a hang, a panic, a
// tainted kernel), such tests are `missing`: the caller runs them in a fresh VM.
// With `check -i N` a test reports once per iteration, with `-L N` a failing test up to N more
// times: every run's verdict is kept and the test's verdict is the worst of them.

export interface Mark {
  test: string;
  verdict: Extract<Verdict, 'crashed' | 'hung' | 'error'>;
  reason?: string;
  crashSignature?: string;
  durationSec?: number;
}

export interface CheckExit {
  status: number | null;
  /** The end of check's stdout/stderr. */
  tail: string;
  /** Where its whole output is kept on the host. */
  outputFile?: string;
}

export interface VerdictSources {
  /** The selection in run order (from `check -n`), so results come back in that order. */
  expected?: readonly string[];
  /** Tests the listing showed as `[expunged]`. */
  expunged?: readonly string[];
  marks?: readonly Mark[];
  xunit?: readonly TestResult[];
  progress?: readonly ProgressEvent[];
  /** check exited by itself (it was not stopped): nothing it was given may stay without a verdict. */
  checkExit?: CheckExit;
}

export interface MergedVerdicts {
  results: TestResult[];
  /** Expected tests without a verdict, to run again (only when check did not exit by itself). */
  missing: string[];
  /** Tests reported more than once (check -i): each iteration's verdict, in order. */
  iterations: Record<string, Verdict[]>;
}

interface Runs {
  finished: TestResult[];
  /** check -L: what check said of the rerun loop (`pass=1 (33.3%), fail=2 (66.7%)`). */
  aggregate?: string;
  /** Started after its last report: check never reported this (last) run. */
  open: boolean;
}

function fromProgress(events: readonly ProgressEvent[]): Map<string, Runs> {
  const out = new Map<string, Runs>();
  const runs = (t: string) => out.get(t) ?? out.set(t, { finished: [], open: false }).get(t)!;
  for (const e of events) {
    if (e.kind === 'started') runs(e.test).open = true;
    else if (e.kind === 'aggregate') runs(e.test).aggregate = e.stats;
    else if (e.kind === 'finished') {
      const r = runs(e.test);
      r.open = false;
      r.finished.push({
        name: e.test,
        verdict: e.verdict,
        durationSec: e.durationSec ?? 0,
        ...(e.reason ? { reason: e.reason } : {}),
      });
    }
  }
  return out;
}

function noVerdict(name: string, started: boolean, exit: CheckExit): TestResult {
  const status = exit.status === null ? 'without an exit status' : `with status ${exit.status}`;
  const what = started ? 'started but was never reported' : 'was never started';
  const tail = exit.tail.trimEnd().split('\n').slice(-15).join('\n');
  const file = exit.outputFile ? ` (whole output: ${exit.outputFile})` : '';
  return {
    name,
    verdict: 'error',
    durationSec: 0,
    reason: `check exited ${status} without a verdict: the test ${what}${file}; its last output:\n${tail}`,
  };
}

/**
 * Several runs (-i iterations, -L reruns of a failure): the worst one, saying what each gave. With
 * -L fstests counts the first failure, so the worst is its verdict too.
 */
function overIterations({ finished, aggregate }: Runs, xunit: TestResult | undefined): TestResult {
  const verdicts = finished.map((r) => r.verdict);
  const v = worstVerdict(verdicts);
  const pick = (xunit?.verdict === v ? xunit : undefined) ?? finished.find((r) => r.verdict === v)!;
  const each = aggregate
    ? `reruns after a failure: ${verdicts.join(' ')} (${aggregate})`
    : `iterations: ${verdicts.join(' ')}`;
  return { ...pick, reason: pick.reason ? `${each}; ${pick.reason}` : each };
}

export function mergeVerdicts(src: VerdictSources): MergedVerdicts {
  const marks = new Map<string, TestResult>(
    (src.marks ?? []).map((m) => [
      m.test,
      {
        name: m.test,
        verdict: m.verdict,
        durationSec: m.durationSec ?? 0,
        ...(m.reason ? { reason: m.reason } : {}),
        ...(m.crashSignature ? { crashSignature: m.crashSignature } : {}),
      },
    ]),
  );
  const xunit = new Map((src.xunit ?? []).map((r) => [r.name, r] as const));
  const progress = fromProgress(src.progress ?? []);
  const expunged = new Set(src.expunged ?? []);

  const order = [
    ...new Set([...(src.expected ?? []), ...marks.keys(), ...xunit.keys(), ...progress.keys(), ...expunged]),
  ];
  const results: TestResult[] = [];
  const missing: string[] = [];
  const iterations: Record<string, Verdict[]> = {};
  for (const name of order) {
    const runs = progress.get(name);
    if (runs && runs.finished.length > 1) iterations[name] = runs.finished.map((r) => r.verdict);
    const mark = marks.get(name);
    if (mark) {
      results.push(mark);
      continue;
    }
    // Started and never reported (in its last iteration): no source knows how it ended.
    const found = runs?.open
      ? undefined
      : runs && runs.finished.length > 1
        ? overIterations(runs, xunit.get(name))
        : (xunit.get(name) ??
          runs?.finished[0] ??
          (expunged.has(name) ? { name, verdict: 'expunged' as const, durationSec: 0 } : undefined));
    if (found) results.push(found);
    else if (src.checkExit) results.push(noVerdict(name, runs?.open ?? false, src.checkExit));
    else missing.push(name);
  }
  return { results, missing, iterations };
}
