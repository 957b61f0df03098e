// Kernel crash signatures on the serial console stream. Pure: fed chunks as they arrive, it
// reports the first crash line; the excerpt is cut later, once the trace has followed.

export type CrashKind = 'panic' | 'oops' | 'bug' | 'gpf' | 'soft-lockup' | 'hung-task' | 'rcu-stall';

export interface CrashMatch {
  kind: CrashKind;
  /** Normalised first crash line (plus the faulting function when the trace names one). */
  signature: string;
  /** Index of the crash line in the scanner's line numbering. */
  line: number;
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

/** First crash in a block of console text, or undefined. */
export function findCrash(lines: readonly string[], base = 0): CrashMatch | undefined {
  for (let i = 0; i < lines.length; i++) {
    const text = lines[i]!;
    const hit = PATTERNS.find(([, re]) => re.test(text));
    if (!hit) continue;
    return { kind: hit[0], signature: normalise(text), line: base + i };
  }
  return undefined;
}

export class ConsoleScanner {
  private lines: string[] = [];
  private first = 0; // line number of lines[0]
  private partial = '';
  crash: CrashMatch | undefined;

  constructor(private readonly keep = 2000) {}

  /** Feed console output; returns the crash when this chunk completes its first line. */
  push(chunk: string): CrashMatch | undefined {
    const parts = (this.partial + chunk).replace(/\r/g, '').split('\n');
    this.partial = parts.pop() ?? '';
    const start = this.first + this.lines.length;
    this.lines.push(...parts);
    if (this.lines.length > this.keep) {
      const drop = this.lines.length - this.keep;
      this.lines.splice(0, drop);
      this.first += drop;
    }
    if (this.crash) return undefined;
    this.crash = findCrash(parts, start);
    return this.crash;
  }

  /** Console lines around the crash (5 before, up to `after` after), with the signature
   * completed by the faulting function once the trace has arrived. */
  report(after = 40): { signature: string; excerpt: string } | undefined {
    const c = this.crash;
    if (!c) return undefined;
    const at = c.line - this.first;
    const tail = this.lines.slice(Math.max(0, at), at + after);
    const fn = c.kind === 'hung-task' ? undefined : faultingFunction(tail);
    const excerpt = [
      ...this.lines.slice(Math.max(0, at - 5), at + after),
      ...(this.partial ? [this.partial] : []),
    ];
    return { signature: fn ? `${c.signature} at ${fn}` : c.signature, excerpt: excerpt.join('\n') };
  }

  /** The last n lines, for error messages (a boot that never got ready). */
  tail(n = 30): string {
    return [...this.lines.slice(-n), this.partial].join('\n').trim();
  }
}
