import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { BatchInput, BatchResult, CrashReport, TestResult } from '../../common/schemas';
import type { CheckTimes } from '../results/checktime';
import { hangTimeoutSec } from '../results/hang-timeout';
import { mergeVerdicts, type Mark } from '../results/merge';
import { readXunit } from '../results/xunit';
import { checkArgv } from './check-argv';
import { GUEST } from './guest-layout';
import type { GuestExec } from './guest-prep';
import { ProgressParser, type ProgressEvent } from './progress';
import { HangWatchdog } from './watchdog';

// One `check` invocation in a running guest: watch its output test by test, call a test hung
// when it outlives its timeout, and tell how it ended (completed, or the guest crashed or hung
// in a named test). Verdicts are merged from check's output and its result.xml.

export interface CheckRunContext {
  exec: GuestExec;
  input: BatchInput;
  section?: string;
  times: CheckTimes;
  /** fstests' report dir on the host (RESULT_BASE[/section]). */
  reportDir: string;
  hostResultBase: string;
  cancel: AbortSignal;
  onStarted(test: string): void;
  onFinished(result: TestResult, next?: string): void;
}

export interface CheckRunOutcome {
  results: TestResult[];
  ended: BatchResult['ended'];
  at?: string;
  crash?: CrashReport;
}

/** Guest paths in a reason become host paths: that is where people will look. */
const hostPaths = (r: TestResult, hostResults: string): TestResult =>
  r.reason ? { ...r, reason: r.reason.split(GUEST.results).join(hostResults) } : r;

function resultOf(e: Extract<ProgressEvent, { kind: 'finished' }>): TestResult {
  const reason = [e.reason, ...(e.diff ?? []).slice(0, 20)].filter(Boolean).join('\n');
  return { name: e.test, verdict: e.verdict, durationSec: e.durationSec ?? 0, ...(reason ? { reason } : {}) };
}

export async function runCheck(c: CheckRunContext, tests: string[]): Promise<CheckRunOutcome> {
  const hostResults = c.input.resultsDir;
  const events: ProgressEvent[] = [];
  const testAc = new AbortController();
  c.cancel.addEventListener('abort', () => testAc.abort(), { once: true });
  const dog = new HangWatchdog(
    (t) => hangTimeoutSec(t, c.times, c.input.hang),
    () => testAc.abort(),
  );
  const parser = new ProgressParser();
  let current: string | undefined;
  const onEvent = (e: ProgressEvent) => {
    events.push(e);
    if (e.kind === 'started') {
      current = e.test;
      dog.started(e.test);
      c.onStarted(e.test);
    } else if (e.kind === 'finished') {
      dog.disarm();
      current = undefined;
      c.onFinished(hostPaths(resultOf(e), hostResults), tests[tests.indexOf(e.test) + 1]);
    }
  };
  const res = await c
    .exec(checkArgv({ section: c.section, tests, xunit: true }), {
      timeoutSec: Math.max(c.input.hang.defaultSec, c.input.hang.floorSec),
      signal: testAc.signal,
      onData: (stream, text) => stream === 'stdout' && parser.push(text).forEach(onEvent),
    })
    .catch((err: unknown) => {
      if (dog.hungAt && !c.cancel.aborted) return { outcome: 'hung' as const, exitCode: null };
      throw err;
    })
    .finally(() => dog.disarm());
  parser.end().forEach(onEvent);
  const ended: BatchResult['ended'] = res.outcome === 'exited' ? 'completed' : res.outcome;
  const crash = 'crash' in res ? res.crash : undefined;
  const at = ended === 'completed' ? undefined : (dog.hungAt ?? current);
  if (at && crash)
    await writeFile(join(c.hostResultBase, `${at.replace('/', '-')}.console.log`), crash.excerpt);
  const marks: Mark[] = at
    ? [
        {
          test: at,
          verdict: ended as 'crashed' | 'hung',
          ...(crash ? { crashSignature: crash.signature, reason: crash.excerpt } : {}),
        },
      ]
    : [];
  const xunit = await readXunit(c.reportDir);
  const merged = mergeVerdicts({
    expected: tests,
    marks,
    xunit: xunit?.cases.map((x) => x.result),
    progress: events,
  });
  return {
    results: merged.results.map((r) => hostPaths(r, hostResults)),
    ended,
    ...(at ? { at } : {}),
    ...(crash ? { crash } : {}),
  };
}
