import type { CrashReport } from '../../common/schemas';
import type { CrashMatch } from '../vm/console';

// A kernel that logged an oops, BUG, GPF, lockup, stall or hung task lives on: fstests lets the
// test finish and gives its verdict (_check_dmesg fails an oops or BUG). Which test it was: the one fstests announced last in
// the kernel log (`run fstests <test> at …`), else the one check's output says is running.
// After that test, the batch stops: later tests run on an untainted kernel in a fresh VM.

export interface Taint {
  match: CrashMatch;
  /** The test it happened in; undefined: outside any test (check's start-up or wrap-up). */
  test?: string;
  /** The console around it (read late: the trace follows the line). */
  report: () => CrashReport;
}

export class TaintTracker {
  taint: Taint | undefined;

  /**
   * A crash line the kernel survived; returns true when check should stop now (the test it
   * belongs to is over, or none was running), false to let the running test finish first.
   */
  seen(
    m: CrashMatch,
    report: () => CrashReport,
    now: { running?: string; mine: ReadonlySet<string>; done: ReadonlySet<string> },
  ): boolean {
    if (this.taint) return false;
    // A marker of a test this check was not given is stale (an earlier check in the same VM).
    const test = m.test && now.mine.has(m.test) ? m.test : now.running;
    this.taint = { match: m, report, ...(test ? { test } : {}) };
    return !test || now.done.has(test);
  }

  /** The test just reported is the tainted one: stop check now. */
  endsWith(test: string): boolean {
    return this.taint?.test === test;
  }
}

/**
 * fstests' own verdict of the test the kernel logged it in, with the signature. The verdict stays
 * what a by-hand run gives: _check_dmesg fails an oops, BUG or GPF, but not a hung-task or RCU
 * stall message, so such a test may pass — with the signature and the console file beside it.
 */
export function taintedResult<T extends { verdict: string; reason?: string; crashSignature?: string }>(
  r: T,
  signature: string,
  consoleFile: string,
): T {
  const said = `the kernel logged "${signature}" during this test (console: ${consoleFile})`;
  return { ...r, crashSignature: signature, reason: r.reason ? `${r.reason}\n${said}` : said };
}
