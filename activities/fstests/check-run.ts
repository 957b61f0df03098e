import { join } from 'node:path';
import { Beneath } from '../beneath';
import type { BatchInput, BatchResult, CrashReport, TestResult } from '../../common/schemas';
import { capReason } from '../../common/schemas';
import type { CheckTimes } from '../verdicts/checktime';
import { hangTimeoutSec, hangTimeoutWhy } from '../verdicts/hang-timeout';
import { mergeVerdicts, type CheckExit, type Mark } from '../verdicts/merge';
import { readXunit } from '../verdicts/xunit';
import { checkArgv } from './check-argv';
import { hostPathsIn } from './host-paths';
import type { GuestExec } from './guest-prep';
import { ProgressParser, type ProgressEvent } from '../verdicts/progress';
import { taintedResult, TaintTracker } from './taint';
import { HangWatchdog, idleLimitSec } from '../verdicts/watchdog';

// One `check` invocation in a running guest: watch its output test by test; the per-test
// watchdog alone decides a hang (check's silence outside a test is bounded generously); a panic
// ends it `crashed`; a crash line the kernel survives lets the running test finish (fstests
// fails it) and then stops check: `tainted`. Verdicts are merged from check's output and the
// result.xml of this invocation, exactly one per test it was given.

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
  /** Every test given, with a verdict — except, when check was stopped, those it never reached. */
  results: TestResult[];
  ended: BatchResult['ended'];
  /** The test running when the guest crashed, hung or was tainted. */
  at?: string;
  /** Set when it ended (crashed, hung, tainted) outside any test. */
  phase?: 'check';
  crash?: CrashReport;
}

/** Guest paths in a reason become host paths (that is where people look), and it is capped. */
const forHost = (r: TestResult, host: { fstests: string; resultsDir: string }): TestResult =>
  r.reason ? { ...r, reason: capReason(hostPathsIn(r.reason, host)) } : r;

function resultOf(e: Extract<ProgressEvent, { kind: 'finished' }>): TestResult {
  const reason = [e.reason, ...(e.diff ?? []).slice(0, 20)].filter(Boolean).join('\n');
  return { name: e.test, verdict: e.verdict, durationSec: e.durationSec ?? 0, ...(reason ? { reason } : {}) };
}

const consoleFileOf = (dir: string, test: string | undefined) =>
  join(dir, `${test ? test.replace('/', '-') : 'check'}.console.log`);

export async function runCheck(c: CheckRunContext, tests: string[]): Promise<CheckRunOutcome> {
  const hostResults = { fstests: c.input.fstests, resultsDir: c.input.resultsDir };
  const outputFile = join(c.hostResultBase, 'check.output');
  // Everything here is under the guest's results share: no name is followed (activities/beneath.ts).
  const share = new Beneath(c.input.resultsDir);
  // A previous check in this results dir (the same batch pulls several) left its report: never re-read it.
  await Promise.all(['result.xml', 'result.xml.new'].map((f) => share.rm(join(c.reportDir, f))));
  const { iterations, loopOnFail } = c.input;
  const argv = checkArgv({ section: c.section, tests, xunit: true, iterations, loopOnFail });
  await share.appendFile(outputFile, `\n### ${new Date().toISOString()} ${argv.join(' ')}\n`);
  let writes = Promise.resolve();
  const save = (text: string) =>
    (writes = writes.then(() => share.appendFile(outputFile, text)).catch(() => {}));

  const events: ProgressEvent[] = [];
  const mine = new Set(tests);
  const done = new Set<string>();
  const taints = new TaintTracker();
  let stopped: 'hung' | 'tainted' | undefined;
  const testAc = new AbortController();
  const stop = (why: 'hung' | 'tainted') => {
    stopped ??= why;
    testAc.abort();
  };
  const onCancel = () => testAc.abort();
  c.cancel.addEventListener('abort', onCancel, { once: true });
  if (c.cancel.aborted) onCancel();
  const dog = new HangWatchdog(
    (t) => hangTimeoutSec(t, c.times, c.input.hang),
    idleLimitSec(c.input.hang),
    () => stop('hung'),
  );
  const parser = new ProgressParser();
  let current: string | undefined;
  const consoleFile = (t: string | undefined) => consoleFileOf(c.hostResultBase, t);
  const withTaint = (r: TestResult) =>
    taints.taint && taints.endsWith(r.name) && r.verdict !== 'crashed' && r.verdict !== 'hung'
      ? taintedResult(r, taints.taint.match.signature, consoleFile(r.name))
      : r;
  const onEvent = (e: ProgressEvent) => {
    events.push(e);
    if (e.kind === 'started') {
      current = e.test;
      dog.started(e.test);
      c.onStarted(e.test);
    } else if (e.kind === 'finished') {
      dog.finished();
      current = undefined;
      done.add(e.test);
      c.onFinished(forHost(withTaint(resultOf(e)), hostResults), tests[tests.indexOf(e.test) + 1]);
      if (taints.endsWith(e.test)) stop('tainted');
    }
  };
  dog.start();
  const res = await c
    .exec(argv, {
      signal: testAc.signal,
      onData: (stream, text) => {
        dog.output();
        void save(text);
        if (stream === 'stdout') parser.push(text).forEach(onEvent);
      },
      onKernelLog: (m, report) => {
        if (taints.seen(m, report, { running: current, mine, done })) stop('tainted');
      },
    })
    .catch((err: unknown) => {
      if (stopped && !c.cancel.aborted) return undefined;
      throw err;
    })
    .finally(() => {
      dog.disarm();
      c.cancel.removeEventListener('abort', onCancel);
    });
  parser.end().forEach(onEvent);
  await writes;

  // How it ended: a panic or a dead VM beats everything; then our own stop; then check's exit.
  const crashed = res?.outcome === 'crashed';
  const ended: BatchResult['ended'] = crashed
    ? 'crashed'
    : stopped === 'hung' || res?.outcome === 'hung'
      ? 'hung'
      : taints.taint
        ? 'tainted'
        : 'completed';
  const taint = taints.taint;
  const at =
    ended === 'crashed'
      ? current
      : ended === 'hung'
        ? dog.hungAt
        : ended === 'tainted'
          ? taint?.test
          : undefined;
  const crash = crashed ? res.crash : ended === 'tainted' && taint ? taint.report() : undefined;
  const marks: Mark[] = [];
  if (at && crash) await share.writeFile(consoleFile(at), crash.excerpt);
  if (!at && crash) await share.writeFile(consoleFile(undefined), crash.excerpt);
  if (ended === 'crashed' && at) {
    marks.push({ test: at, verdict: 'crashed', reason: crash!.excerpt, crashSignature: crash!.signature });
  } else if (ended === 'hung' && at) {
    const seen = taint?.test === at ? taint.match.signature : undefined;
    marks.push({
      test: at,
      verdict: 'hung',
      reason: `no verdict within its hang timeout of ${hangTimeoutWhy(at, c.times, c.input.hang)}; the VM was stopped${seen ? `; the kernel logged "${seen}"` : ''}`,
      ...(seen ? { crashSignature: seen } : {}),
    });
  }
  // Only a check that exited by itself owes a verdict for every test (none was stopped by us).
  const checkExit: CheckExit | undefined =
    res?.outcome === 'exited' && !stopped
      ? { status: res.exitCode, tail: `${res.stdoutTail}\n${res.stderrTail}`, outputFile }
      : undefined;
  const xunit = await readXunit(c.reportDir, share);
  const merged = mergeVerdicts({
    expected: tests,
    marks,
    xunit: xunit?.cases.map((x) => x.result),
    progress: events,
    ...(checkExit ? { checkExit } : {}),
  });
  if (Object.keys(merged.iterations).length > 0) {
    await share.writeFile(
      join(c.hostResultBase, 'iterations.json'),
      JSON.stringify(merged.iterations, null, 1),
    );
  }
  return {
    results: merged.results.map((r) => forHost(withTaint(r), hostResults)),
    ended,
    ...(at ? { at } : ended !== 'completed' ? { phase: 'check' as const } : {}),
    ...(crash ? { crash: { signature: crash.signature, excerpt: capReason(crash.excerpt) } } : {}),
  };
}
