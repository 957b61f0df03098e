import { closeSync, openSync } from 'node:fs';
import { execa } from 'execa';

// The one place host processes are started. Callers build argv as data (pure, unit-tested);
// nothing here goes through a shell.

export interface RunOptions {
  cwd?: string;
  env?: Record<string, string>;
  input?: string;
  timeoutMs?: number;
  signal?: AbortSignal;
}

export interface RunResult {
  exitCode: number;
  stdout: string;
  stderr: string;
}

/** Run argv to completion; never throws for a non-zero exit (the caller decides what it means). */
export async function run(argv: readonly string[], opts: RunOptions = {}): Promise<RunResult> {
  const [file, ...args] = argv;
  if (!file) throw new Error('run: empty argv');
  const res = await execa(file, args, {
    reject: false,
    cwd: opts.cwd,
    env: opts.env,
    input: opts.input,
    timeout: opts.timeoutMs,
    cancelSignal: opts.signal,
    stripFinalNewline: true,
  });
  if (res.failed && res.exitCode === undefined) {
    // Not started, timed out or cancelled: there is no exit code to hand back.
    throw new Error(`${file}: ${res.shortMessage}`);
  }
  return { exitCode: res.exitCode ?? -1, stdout: String(res.stdout), stderr: String(res.stderr) };
}

/** Run argv and return stdout; throw with stderr when it exits non-zero. */
export async function runOk(argv: readonly string[], opts: RunOptions = {}): Promise<string> {
  const res = await run(argv, opts);
  if (res.exitCode !== 0) {
    throw new Error(`${argv.join(' ')} exited ${res.exitCode}: ${res.stderr.trim() || res.stdout.trim()}`);
  }
  return res.stdout;
}

export interface Service {
  pid: number;
  /** Resolves with the exit code (or signal name) once the process has ended. */
  exited: Promise<number | string>;
  /** SIGTERM, then SIGKILL after graceMs; resolves once it has ended. */
  stop(graceMs?: number): Promise<void>;
}

/**
 * Start a long-running process (a server) with its output appended to a log file. In a process
 * group of its own, so the terminal's Ctrl-C reaches only the CLI (which decides what it means);
 * `outlive`: it keeps running after this process exits (a background server).
 */
export function startService(
  argv: readonly string[],
  opts: { logFile: string; env?: Record<string, string>; outlive?: boolean },
): Service {
  const [file, ...args] = argv;
  if (!file) throw new Error('startService: empty argv');
  // The log file itself as its stdout/stderr (not a pipe through us): it may outlive this process.
  const log = openSync(opts.logFile, 'a');
  const child = execa(file, args, {
    reject: false,
    detached: true,
    cleanup: !opts.outlive,
    env: opts.env,
    // execa's types admit fds 3-9 only; any open fd is handed to spawn as it is.
    stdio: ['ignore', log as 3, log as 3],
  });
  closeSync(log);
  const exited = child.then((r) => r.signal ?? r.exitCode ?? -1);
  if (opts.outlive) child.unref();
  return {
    pid: child.pid ?? -1,
    exited,
    async stop(graceMs = 10_000) {
      if (child.exitCode !== null || child.signalCode !== null) return;
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
      await exited;
      clearTimeout(timer);
    },
  };
}

export interface GroupChild {
  pid: number;
  stdout: NodeJS.ReadableStream;
  stderr: NodeJS.ReadableStream;
  /** Resolves once the leader has ended, with its exit code or signal name. */
  exited: Promise<number | string>;
}

/**
 * Start a long-running child as the leader of its own process group (so the whole tree can be
 * signalled, and a worker's terminal signals do not reach it), output piped to the caller.
 * Used for VMs (activities/vm/supervisor.ts).
 */
export function spawnGroup(
  argv: readonly string[],
  opts: { env?: Record<string, string>; cwd?: string },
): GroupChild {
  const [file, ...args] = argv;
  if (!file) throw new Error('spawnGroup: empty argv');
  const child = execa(file, args, {
    reject: false,
    detached: true,
    cleanup: false,
    buffer: false,
    stdin: 'ignore',
    stdout: 'pipe',
    stderr: 'pipe',
    env: opts.env,
    cwd: opts.cwd,
  });
  if (!child.pid || !child.stdout || !child.stderr) throw new Error(`${file}: could not be started`);
  const exited = child.then((r) => r.signal ?? r.exitCode ?? -1);
  return { pid: child.pid, stdout: child.stdout, stderr: child.stderr, exited };
}
