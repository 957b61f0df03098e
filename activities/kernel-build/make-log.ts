import { createWriteStream } from 'node:fs';
import { spawnGroup } from '../process';

// One build command with its output appended to the make log, counting lines as they come (the
// heartbeat's progress). In its own process group: a cancelled build is killed whole (make's jobs too).

export interface Logged {
  exitCode: number | string;
  lines: number;
}

export async function runLogged(
  argv: readonly string[],
  opts: { log: string; cwd?: string; signal?: AbortSignal; onLines?: (lines: number) => void },
): Promise<Logged> {
  const out = createWriteStream(opts.log, { flags: 'a' });
  out.write(`$ ${argv.join(' ')}\n`);
  const child = spawnGroup(argv, { ...(opts.cwd ? { cwd: opts.cwd } : {}) });
  let lines = 0;
  const count = (chunk: Buffer) => {
    out.write(chunk);
    for (const b of chunk) if (b === 10) lines++;
    opts.onLines?.(lines);
  };
  child.stdout.on('data', count);
  child.stderr.on('data', count);
  const kill = () => {
    try {
      process.kill(-child.pid, 'SIGKILL');
    } catch {
      // already gone
    }
  };
  opts.signal?.addEventListener('abort', kill, { once: true });
  try {
    const exitCode = await child.exited;
    return { exitCode, lines };
  } finally {
    opts.signal?.removeEventListener('abort', kill);
    await new Promise<void>((r) => out.end(r));
  }
}

/** The last `n` lines of a log's text. */
export const tail = (text: string, n = 30) => text.trimEnd().split('\n').slice(-n).join('\n');
