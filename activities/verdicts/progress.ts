// Incremental parser of `check`'s stdout (pure). What check prints, per test (check, run_section):
//   printf "%-*s" <name padded>          then, once it knows:
//   `       ` or ` 5s ... `               the last recorded run time (check.time), if any
//   ` 10s`                                passed, with this run's time
//   `[not run] <reason>`                  the .notrun file
//   `       [expunged]`                   excluded by -E/-X/-e
//   `- output mismatch (see …out.bad)`    failed, then an indented diff excerpt (4 spaces)
//   `[failed, exit status N]…`, `_check_dmesg: …`, `no qualified output`, `[dumped core]`: failed
// With -L N a failing test runs N more times at once (same lines), then
//   `<name> aggregate results across N runs: pass=1 (33.3%), fail=2 (66.7%)`
// and at the end of a section: `Ran: …`, `Not run: …`, `Failures: …`, `Interrupted!`,
// `Passed all N tests` or `Failed N of M tests` (printed twice with sections: once by _wrapup,
// once in the closing summary). The test name comes out before the test runs, so a partial line
// tells which test is running — the one to blame when the guest hangs or dies.

export type ProgressEvent =
  | { kind: 'section'; section: string }
  | { kind: 'started'; test: string; lastDurationSec?: number }
  | {
      kind: 'finished';
      test: string;
      verdict: 'pass' | 'fail' | 'notrun' | 'expunged';
      durationSec?: number;
      lastDurationSec?: number;
      reason?: string;
      /** For an output mismatch: the diff excerpt check printed (unindented). */
      diff?: string[];
    }
  /** `check -L`: a failing test's rerun loop ended; `stats` as check printed them. */
  | { kind: 'aggregate'; test: string; runs: number; stats: string }
  | {
      kind: 'summary';
      ran: string[];
      notRun: string[];
      failures: string[];
      interrupted: boolean;
      failed: number;
      total: number;
    };

const TEST_LINE = /^([a-z0-9_-]+\/[0-9][0-9A-Za-z-]*)(?=\s|$)(.*)$/;
const LAST_TIME = /^\s+(\d+)s \.\.\. ?(.*)$/;
const AGGREGATE = /^(\S+) aggregate results across (\d+) runs: (.*)$/;
const SECTION = /^SECTION\s+-- (\S+)/;
const list = (s: string) => s.split(/\s+/).filter(Boolean);

type Finished = Extract<ProgressEvent, { kind: 'finished' }>;

export class ProgressParser {
  private buf = '';
  /** The test whose line is open (partial), already announced as started. */
  private announced: string | undefined;
  /** A failed test whose diff excerpt may still be coming. */
  private pending: Finished | undefined;
  private summary = {
    ran: [] as string[],
    notRun: [] as string[],
    failures: [] as string[],
    interrupted: false,
  };

  /** Feed stdout as it arrives (any chunking); returns the events it completes. */
  push(chunk: string): ProgressEvent[] {
    this.buf += chunk;
    const out: ProgressEvent[] = [];
    let nl: number;
    while ((nl = this.buf.indexOf('\n')) >= 0) {
      const line = this.buf.slice(0, nl).replace(/\r$/, '');
      this.buf = this.buf.slice(nl + 1);
      this.line(line, out);
    }
    this.partial(out);
    return out;
  }

  /** End of stream: flush what is complete; an open test line stays unfinished (no verdict). */
  end(): ProgressEvent[] {
    const out: ProgressEvent[] = [];
    if (this.buf && !TEST_LINE.test(this.buf)) this.line(this.buf, out);
    this.buf = '';
    this.flush(out);
    return out;
  }

  /** The test announced but not finished: the one running now. */
  get running(): string | undefined {
    return this.announced;
  }

  private partial(out: ProgressEvent[]): void {
    if (!this.buf) return;
    // A new unindented line ends a failure's diff excerpt; a few blanks may still be indentation.
    if (/^ {0,3}\S/.test(this.buf)) this.flush(out);
    // The name is complete only once the padding or last-time column follows it.
    const m = /^\S+\s/.test(this.buf) ? TEST_LINE.exec(this.buf) : null;
    if (!m || this.announced === m[1] || /^ aggregate results/.test(m[2]!)) return;
    this.announced = m[1]!;
    const last = LAST_TIME.exec(m[2]!);
    out.push({ kind: 'started', test: m[1]!, ...(last ? { lastDurationSec: Number(last[1]) } : {}) });
  }

  private flush(out: ProgressEvent[]): void {
    if (this.pending) out.push(this.pending);
    this.pending = undefined;
  }

  private line(line: string, out: ProgressEvent[]): void {
    if (this.pending && line.startsWith('    ')) {
      (this.pending.diff ??= []).push(line.slice(4));
      return;
    }
    this.flush(out);
    const agg = AGGREGATE.exec(line);
    if (agg) {
      if (this.announced === agg[1]) this.announced = undefined;
      return void out.push({ kind: 'aggregate', test: agg[1]!, runs: Number(agg[2]), stats: agg[3]! });
    }
    const t = TEST_LINE.exec(line);
    if (t) return this.testLine(t[1]!, t[2]!, out);
    const sect = SECTION.exec(line);
    if (sect) out.push({ kind: 'section', section: sect[1]! });
    else if (line.startsWith('Ran: ')) this.summary.ran = list(line.slice(5));
    else if (line.startsWith('Not run: ')) this.summary.notRun = list(line.slice(9));
    else if (line.startsWith('Failures: ')) this.summary.failures = list(line.slice(10));
    else if (line === 'Interrupted!') this.summary.interrupted = true;
    else {
      const passed = /^Passed all (\d+) tests$/.exec(line);
      const failed = /^Failed (\d+) of (\d+) tests$/.exec(line);
      if (!passed && !failed) return;
      const total = Number(passed?.[1] ?? failed?.[2]);
      out.push({ kind: 'summary', ...this.summary, failed: Number(failed?.[1] ?? 0), total });
      this.summary = { ran: [], notRun: [], failures: [], interrupted: false };
    }
  }

  private testLine(test: string, rest: string, out: ProgressEvent[]): void {
    if (/^\s*- unknown test, ignored$/.test(rest)) return;
    const wasAnnounced = this.announced === test;
    this.announced = undefined;
    const last = LAST_TIME.exec(rest);
    const lastDurationSec = last ? Number(last[1]) : undefined;
    const text = (last ? last[2]! : rest).trim();
    const base = { kind: 'finished' as const, test, ...(last ? { lastDurationSec } : {}) };
    if (!wasAnnounced) out.push({ kind: 'started', test, ...(last ? { lastDurationSec } : {}) });
    const pass = /^(\d+)s$/.exec(text);
    if (pass) return void out.push({ ...base, verdict: 'pass', durationSec: Number(pass[1]) });
    if (text.startsWith('[not run]')) {
      return void out.push({ ...base, verdict: 'notrun', reason: text.slice(9).trim() });
    }
    if (text === '[expunged]') return void out.push({ ...base, verdict: 'expunged' });
    // Anything else on a test's line is check reporting a failure; its diff may follow.
    this.pending = { ...base, verdict: 'fail', reason: text || 'failed (check printed no run time)' };
  }
}
