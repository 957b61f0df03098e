import type { CrashReport, ExecOutcome } from '../../common/schemas/vm';
import type { CrashMatch } from './console';
import type { GuestFrame } from './frames';
import type { VmProcess } from './supervisor';

// One command in the guest: stream its output, and decide how it ended — its exit frame, a
// kernel panic on the console, the VM going away, or (only when the caller sets a timeout)
// silence longer than that (hung). A crash line the kernel survives (oops, BUG, hung task) does
// not end the command: the caller hears of it (onKernelLog) and decides.

export interface ExecOptions {
  env?: Record<string, string>;
  cwd?: string;
  /** Hung when no frame arrives from the agent for longer than this; unset: no limit (the
   * caller's own watchdog decides, e.g. fstests' per-test hang timeout). */
  timeoutSec?: number;
  /** A crash line the kernel survives (oops, BUG, hung task…) while the command runs. */
  onKernelLog?: (m: CrashMatch, report: () => CrashReport) => void;
  onLine?: (stream: 'stdout' | 'stderr', line: string) => void;
  /** Raw output as it arrives, partial lines included (fstests names a test before running it). */
  onData?: (stream: 'stdout' | 'stderr', text: string) => void;
  signal?: AbortSignal;
}

export interface ExecResult {
  exitCode: number | null;
  outcome: ExecOutcome;
  crash?: CrashReport;
  stdoutTail: string;
  stderrTail: string;
}

const TAIL_BYTES = 8192;
/** After a crash line, how long the trace may keep arriving before we report (well under 5 s). */
const CRASH_SETTLE_MS = 1000;

class Stream {
  private tail = '';
  private partial = '';
  constructor(
    private readonly name: 'stdout' | 'stderr',
    private readonly onLine?: ExecOptions['onLine'],
    private readonly onData?: ExecOptions['onData'],
  ) {}
  push(text: string): void {
    this.tail = (this.tail + text).slice(-TAIL_BYTES);
    this.onData?.(this.name, text);
    if (!this.onLine) return;
    const lines = (this.partial + text).split('\n');
    this.partial = lines.pop() ?? '';
    for (const l of lines) this.onLine(this.name, l);
  }
  end(): string {
    if (this.partial && this.onLine) this.onLine(this.name, this.partial);
    this.partial = '';
    return this.tail;
  }
}

export function execInGuest(
  proc: VmProcess,
  id: number,
  argv: string[],
  o: ExecOptions,
): Promise<ExecResult> {
  const out = new Stream('stdout', o.onLine, o.onData);
  const err = new Stream('stderr', o.onLine, o.onData);
  return new Promise<ExecResult>((resolve, reject) => {
    let idle: NodeJS.Timeout | undefined;
    let settled = false;
    const finish = (r: Omit<ExecResult, 'stdoutTail' | 'stderrTail'> | Error) => {
      if (settled) return;
      settled = true;
      clearTimeout(idle);
      proc.off('frame', onFrame);
      proc.off('crash', onCrash);
      proc.off('exit', onExit);
      o.signal?.removeEventListener('abort', onAbort);
      if (r instanceof Error) return reject(r);
      resolve({ ...r, stdoutTail: out.end(), stderrTail: err.end() });
    };
    const crashed = () => finish({ exitCode: null, outcome: 'crashed', crash: crashReport(proc) });
    const arm = () => {
      clearTimeout(idle);
      if (o.timeoutSec === undefined) return;
      idle = setTimeout(() => {
        proc.send({ t: 'kill', id });
        finish({ exitCode: null, outcome: 'hung' });
      }, o.timeoutSec * 1000);
    };
    const onFrame = (f: GuestFrame) => {
      if (!('id' in f) || f.id !== id) return;
      arm();
      if (f.t === 'out') (f.fd === 2 ? err : out).push(Buffer.from(f.b64, 'base64').toString('utf8'));
      else if (f.t === 'exit')
        finish({ exitCode: f.code ?? (f.signal ? 128 + f.signal : null), outcome: 'exited' });
      else if (f.t === 'error') {
        err.push(`fsto agent: ${f.message}\n`);
        finish({ exitCode: 127, outcome: 'exited' });
      }
    };
    const onCrash = (m: CrashMatch) => {
      if (m.fatal) return void setTimeout(crashed, CRASH_SETTLE_MS);
      o.onKernelLog?.(m, () => crashReport(proc, m));
    };
    const onExit = (status: number | string) => {
      if (proc.scanner.fatal) return crashed();
      const last = proc.scanner.matches.at(-1);
      const why = `VM exited unexpectedly (${status})`;
      finish({
        exitCode: null,
        outcome: 'crashed',
        crash: {
          signature: last ? `${why} after: ${last.signature}` : why,
          excerpt: `${why}\n(console: ${proc.opts.consolePath})\n${proc.scanner.tail(40)}`,
        },
      });
    };
    const onAbort = () => {
      proc.send({ t: 'kill', id });
      finish(new Error('exec cancelled'));
    };
    if (o.signal?.aborted) return onAbort();
    if (proc.scanner.fatal) return crashed();
    if (proc.exited) return onExit(proc.exitStatus ?? 'gone');
    proc.on('frame', onFrame);
    proc.on('crash', onCrash);
    proc.on('exit', onExit);
    o.signal?.addEventListener('abort', onAbort, { once: true });
    if (!proc.send({ t: 'exec', id, argv, env: o.env, cwd: o.cwd })) {
      return finish(new Error('the guest agent is not connected'));
    }
    arm();
  });
}

/**
 * The report of a dead guest: the signature of the incident's first crash line (an oops before
 * its "Fatal exception" panic), an excerpt that starts with that line and names the console file.
 */
export function crashReport(proc: VmProcess, m: CrashMatch | undefined = proc.scanner.fatal): CrashReport {
  const r = proc.scanner.report(m && proc.scanner.incident(m));
  if (!r) return { signature: 'unknown', excerpt: `(console: ${proc.opts.consolePath})` };
  const [first, ...rest] = r.excerpt.split('\n');
  return {
    signature: r.signature,
    excerpt: [first, `(console: ${proc.opts.consolePath})`, ...rest].join('\n'),
  };
}
