// Kernel crash signatures on the serial console stream. Pure: fed chunks as they arrive, it
// reports every crash line (the excerpt is cut later, once the trace has followed) and which
// test fstests had announced in the kernel log (`run fstests <test> at …`) when it came.
//
// Only a panic is fatal: after an oops, BUG, GPF, lockup, stall or hung task the kernel lives on,
// fstests' _check_dmesg fails the test, and the orchestrator lets check finish it (docs/architecture.md).

export type CrashKind = 'panic' | 'oops' | 'bug' | 'gpf' | 'soft-lockup' | 'hung-task' | 'rcu-stall';

/** The kernel does not survive it (panic); every other kind is logged by a live kernel. */
export const isFatal = (kind: CrashKind): boolean => kind === 'panic';

export interface CrashMatch {
  kind: CrashKind;
  fatal: boolean;
  /** Normalised crash line (no times, addresses, pids). */
  signature: string;
  /** The line as the kernel printed it, without its timestamp. */
  text: string;
  /** Index of the crash line in the scanner's line numbering. */
  line: number;
  /** The test fstests announced last in the kernel log (`run fstests generic/001 at …`). */
  test?: string;
}

// Most specific first: a soft lockup line also says "BUG:".
const PATTERNS: [CrashKind, RegExp][] = [
  ['soft-lockup', /watchdog: BUG: soft lockup/],
  ['hung-task', /INFO: task \S+ blocked for more than \d+ seconds/],
  ['rcu-stall', /rcu: INFO: rcu_\w+ (self-)?detected stalls?|rcu_\w+ detected stalls? on CPU/],
  ['panic', /Kernel panic - not syncing/],
  ['oops', /\bOops: /],
  ['gpf', /general protection fault/],
  ['bug', /\bBUG: |kernel BUG at /],
];

const TIMESTAMP = /^\s*\[\s*\d+\.\d+\]\s?/;
/** fstests (and our fixture check) write this to /dev/kmsg before each test. */
const MARKER = /\brun fstests (\S+\/\S+) at /;

/** What stays the same between two occurrences of one bug: no times, addresses, pids, CPUs. */
export function normalise(line: string): string {
  return line
    .replace(TIMESTAMP, '')
    .replace(/\b0x[0-9a-f]+\b/gi, 'X')
    .replace(/\b[0-9a-f]{8,16}\b/gi, 'X')
    .replace(/CPU#?\d+/g, 'CPU#N')
    .replace(/\bstuck for \d+s/g, 'stuck for Ns')
    .replace(/more than \d+ seconds/g, 'more than N seconds')
    .replace(/(\S+):\d+\b(?=\]| blocked)/g, '$1')
    .replace(/\[\S+?:\d+\]$/g, (m) => m.replace(/:\d+\]$/, ']'))
    .replace(/\s+/g, ' ')
    .trim();
}

/** `RIP: 0010:sysrq_handle_crash+0x16/0x20` → `sysrq_handle_crash`. */
function faultingFunction(lines: readonly string[]): string | undefined {
  for (const l of lines) {
    const m = /RIP: [0-9a-f]{4}:([A-Za-z0-9_.]+)\+0x/.exec(l);
    if (m) return m[1];
  }
  return undefined;
}

/** Is this console line a crash line? (no position or test: ConsoleScanner adds them) */
export function classify(text: string): Omit<CrashMatch, 'line'> | undefined {
  const hit = PATTERNS.find(([, re]) => re.test(text));
  if (!hit) return undefined;
  return {
    kind: hit[0],
    fatal: isFatal(hit[0]),
    signature: normalise(text),
    text: text.replace(TIMESTAMP, ''),
  };
}

/** A crash report: the signature, and an excerpt whose first line is the crash line itself. */
export interface ConsoleReport {
  signature: string;
  excerpt: string;
}

export class ConsoleScanner {
  private lines: string[] = [];
  private first = 0; // line number of lines[0]
  private partial = '';
  private test: string | undefined;
  /** Every crash line seen (the first MAX_MATCHES), in order. */
  readonly matches: CrashMatch[] = [];

  constructor(private readonly keep = 2000) {}

  /** The first crash line of any kind. */
  get crash(): CrashMatch | undefined {
    return this.matches[0];
  }

  /** The first fatal one (a panic): the guest is dead. */
  get fatal(): CrashMatch | undefined {
    return this.matches.find((m) => m.fatal);
  }

  /** Line number of the next complete line: marks a point in the stream. */
  get position(): number {
    return this.first + this.lines.length;
  }

  /** Feed console output; returns the crash lines this chunk completes. */
  push(chunk: string): CrashMatch[] {
    const parts = (this.partial + chunk).replace(/\r/g, '').split('\n');
    this.partial = parts.pop() ?? '';
    const start = this.position;
    this.lines.push(...parts);
    if (this.lines.length > this.keep) {
      const drop = this.lines.length - this.keep;
      this.lines.splice(0, drop);
      this.first += drop;
    }
    const found: CrashMatch[] = [];
    parts.forEach((text, i) => {
      const marker = MARKER.exec(text);
      if (marker) this.test = marker[1];
      const c = classify(text);
      if (c && this.matches.length < MAX_MATCHES) {
        const m = { ...c, line: start + i, ...(this.test ? { test: this.test } : {}) };
        this.matches.push(m);
        found.push(m);
      }
    });
    return found;
  }

  /**
   * The incident a crash line belongs to: the first crash line of the same test within the
   * lines before it (an oops, then "Kernel panic - not syncing: Fatal exception").
   */
  incident(m: CrashMatch): CrashMatch {
    return this.matches.find((x) => x.test === m.test && x.line <= m.line && m.line - x.line <= 200) ?? m;
  }

  /** The crash line first, then the console from it (up to `after` lines), with the signature
   * completed by the faulting function once the trace has arrived. */
  report(m: CrashMatch | undefined = this.fatal ?? this.crash, after = 40): ConsoleReport | undefined {
    if (!m) return undefined;
    const kept = m.line >= this.first;
    const at = Math.max(0, m.line - this.first);
    const tail = this.lines.slice(at, at + after);
    const fn = m.kind === 'hung-task' ? undefined : faultingFunction(tail);
    const open = this.partial && at + after > this.lines.length ? [this.partial] : [];
    const lines = [m.text, ...(kept ? tail.slice(1) : tail), ...open];
    return { signature: fn ? `${m.signature} at ${fn}` : m.signature, excerpt: lines.join('\n') };
  }

  /** The last n lines, for error messages (a boot that never got ready). */
  tail(n = 30): string {
    return [...this.lines.slice(-n), this.partial].join('\n').trim();
  }
}

/** Crash lines kept per VM: a kernel that loops on a warning must not grow memory. */
const MAX_MATCHES = 100;
