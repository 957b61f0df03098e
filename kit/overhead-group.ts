import { spawnGroup } from '../activities/process';

// bench/overhead.ts runs vng and each fsto process as the leader of its own process group, so a
// timeout or Ctrl-C can end the whole tree (vng leaves QEMU running when only vng is killed;
// `fsto server` has the Temporal CLI as a child). Only groups started here are ever signalled.

export interface Line {
  /** Host clock (ms since the epoch) when the line arrived. */
  at: number;
  text: string;
}

export interface GroupRun {
  exit: number | string;
  stdout: string;
  stderr: string;
  /** stdout and stderr lines as they arrived, with host timestamps. */
  lines: Line[];
  startedAt: number;
  endedAt: number;
  /** Members of the group still alive after its leader exited (then killed): a leak. */
  stragglers: boolean;
}

export interface Group {
  startedAt: number;
  lines: Line[];
  /** Resolves once the leader exited and the group was checked for stragglers. */
  done: Promise<GroupRun>;
  /** First line matching re (waits for it); rejects when the leader exits first or on timeout. */
  waitLine(re: RegExp, timeoutMs: number): Promise<Line>;
  /** SIGTERM to the group (SIGKILL after graceMs), then the run. */
  stop(graceMs?: number): Promise<GroupRun>;
}

const live = new Set<number>();

function signalGroup(pid: number, sig: NodeJS.Signals | 0): boolean {
  try {
    process.kill(-pid, sig);
    return true;
  } catch {
    return false; // ESRCH: the group is empty
  }
}

/** SIGKILL every group this module started and that is still alive (cleanup on abort). */
export function killLiveGroups(): void {
  for (const pid of live) signalGroup(pid, 'SIGKILL');
}

export function startGroup(argv: string[], o: { env?: Record<string, string>; cwd?: string }): Group {
  const startedAt = Date.now();
  const child = spawnGroup(argv, { ...(o.env ? { env: o.env } : {}), ...(o.cwd ? { cwd: o.cwd } : {}) });
  live.add(child.pid);
  const out: string[] = [];
  const err: string[] = [];
  const lines: Line[] = [];
  const follow = (stream: NodeJS.ReadableStream, into: string[]) => {
    let partial = '';
    stream.on('data', (chunk: Buffer) => {
      const s = chunk.toString('utf8');
      into.push(s);
      const parts = (partial + s).split('\n');
      partial = parts.pop() ?? '';
      for (const text of parts) lines.push({ at: Date.now(), text });
    });
  };
  follow(child.stdout, out);
  follow(child.stderr, err);
  let ended = false;
  const done = child.exited.then(async (exit) => {
    ended = true;
    const endedAt = Date.now();
    // Give the leader's children a moment to follow it out, then make sure the group is empty.
    await new Promise((r) => setTimeout(r, 500));
    const stragglers = signalGroup(child.pid, 0);
    if (stragglers) signalGroup(child.pid, 'SIGKILL');
    live.delete(child.pid);
    return { exit, stdout: out.join(''), stderr: err.join(''), lines, startedAt, endedAt, stragglers };
  });
  return {
    startedAt,
    lines,
    done,
    async waitLine(re, timeoutMs) {
      const deadline = Date.now() + timeoutMs;
      for (;;) {
        const hit = lines.find((l) => re.test(l.text));
        if (hit) return hit;
        if (ended || Date.now() > deadline) {
          throw new Error(
            `${argv.slice(0, 2).join(' ')}: no line matching ${re}; stderr:\n${err.join('').slice(-2000)}`,
          );
        }
        await new Promise((r) => setTimeout(r, 100));
      }
    },
    async stop(graceMs = 30_000) {
      if (!ended) signalGroup(child.pid, 'SIGTERM');
      const timer = setTimeout(() => signalGroup(child.pid, 'SIGKILL'), graceMs);
      try {
        return await done;
      } finally {
        clearTimeout(timer);
      }
    },
  };
}

/** Run to the end; on timeout the group is stopped and this throws. */
export async function runGroup(
  argv: string[],
  o: { env?: Record<string, string>; cwd?: string; timeoutMs: number },
): Promise<GroupRun> {
  const g = startGroup(argv, o);
  let timedOut = false;
  const timer = setTimeout(() => {
    timedOut = true;
    void g.stop(15_000);
  }, o.timeoutMs);
  const res = await g.done.finally(() => clearTimeout(timer));
  if (timedOut)
    throw new Error(
      `${argv[0]}: timed out after ${o.timeoutMs / 1000} s; output:\n${(res.stdout + res.stderr).slice(-2000)}`,
    );
  return res;
}
