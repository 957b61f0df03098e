import type { TestResult, Verdict } from '../../common/schemas';
import type { ProgressEvent } from '../fstests/progress';
import type { CheckLogRun } from './checklog';

// The final per-test verdicts of ONE check invocation (one VM boot) from whatever exists (pure).
// Sources, strongest first:
//   1. the orchestrator's marks (crashed, hung, error): it saw the kernel die or the test hang,
//      which fstests cannot report;
//   2. result.xml: fstests' own report, rewritten before every test (so it survives a crash
//      minus the running test, DESIGN.md "Truth of results");
//   3. check's stdout, parsed by ProgressParser (kept by the orchestrator as it streamed);
//   4. check.log's last block (written only when check finishes a section).
// A test whose line was printed but never finished, with no mark, is `error` (we do not know
// what happened). Expected tests with no trace at all are returned as `missing`: the caller runs
// them in a fresh VM. Combining attempts (retries, fresh VMs) is the caller's job.

export interface Mark {
  test: string;
  verdict: Extract<Verdict, 'crashed' | 'hung' | 'error'>;
  reason?: string;
  crashSignature?: string;
  durationSec?: number;
}

export interface VerdictSources {
  /** The selection in run order (from `check -n`), so results come back in that order. */
  expected?: readonly string[];
  /** Tests the listing showed as `[expunged]`. */
  expunged?: readonly string[];
  marks?: readonly Mark[];
  xunit?: readonly TestResult[];
  progress?: readonly ProgressEvent[];
  checkLog?: CheckLogRun;
}

export interface MergedVerdicts {
  results: TestResult[];
  /** Expected tests no source knows anything about. */
  missing: string[];
}

function fromProgress(events: readonly ProgressEvent[]): Map<string, TestResult> {
  const out = new Map<string, TestResult>();
  for (const e of events) {
    if (e.kind === 'started') {
      out.set(e.test, {
        name: e.test,
        verdict: 'error',
        durationSec: 0,
        reason: 'the test started but check reported no result (the guest stopped during it)',
      });
    } else if (e.kind === 'finished') {
      const r: TestResult = { name: e.test, verdict: e.verdict, durationSec: e.durationSec ?? 0 };
      if (e.reason) r.reason = e.reason;
      out.set(e.test, r);
    }
  }
  return out;
}

function fromCheckLog(run: CheckLogRun | undefined): Map<string, TestResult> {
  const out = new Map<string, TestResult>();
  if (!run) return out;
  const failed = new Set(run.failures);
  const notRun = new Set(run.notRun);
  for (const name of new Set([...run.ran, ...run.notRun])) {
    const verdict: Verdict = failed.has(name) ? 'fail' : notRun.has(name) ? 'notrun' : 'pass';
    out.set(name, { name, verdict, durationSec: 0, reason: 'from check.log' });
  }
  return out;
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
  const log = fromCheckLog(src.checkLog);
  const expunged = new Map(
    (src.expunged ?? []).map((name) => [name, { name, verdict: 'expunged' as const, durationSec: 0 }]),
  );
  const layers = [marks, xunit, progress, log, expunged];

  const order = [...new Set([...(src.expected ?? []), ...layers.flatMap((l) => [...l.keys()])])];
  const results: TestResult[] = [];
  const missing: string[] = [];
  for (const name of order) {
    const found = layers.map((l) => l.get(name)).find((r) => r !== undefined);
    if (found) results.push(found);
    else missing.push(name);
  }
  return { results, missing };
}
