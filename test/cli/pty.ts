import { execa, type ResultPromise } from 'execa';

// A command on a real terminal, as a person runs it: util-linux `script` gives it a pty; a key
// written to script's stdin goes through the pty's line discipline, so "\x03" (Ctrl-C) becomes a
// SIGINT to the terminal's foreground process group, exactly as in a shell.

const quote = (w: string) => `'${w.replace(/'/g, `'\\''`)}'`;

export interface Pty {
  child: ResultPromise;
  /** Everything the terminal showed so far. */
  text(): string;
  waitFor(re: RegExp, timeoutMs?: number): Promise<void>;
  key(s: string): void;
  /** The command's exit code (script -e passes it through). */
  exited: Promise<number>;
}

export function onPty(argv: readonly string[], env: Record<string, string>, cwd?: string): Pty {
  const child = execa('script', ['-qefc', argv.map(quote).join(' '), '/dev/null'], {
    env: { ...env, TERM: 'dumb' },
    cwd,
    stdin: 'pipe',
    reject: false,
    buffer: false,
  });
  let out = '';
  child.stdout.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr.on('data', (d: Buffer) => (out += d.toString()));
  return {
    child,
    text: () => out.replace(/\r/g, ''),
    async waitFor(re, timeoutMs = 600_000) {
      const end = Date.now() + timeoutMs;
      while (!re.test(out.replace(/\r/g, ''))) {
        if (Date.now() > end) throw new Error(`not seen within ${timeoutMs / 1000} s: ${re}\n${out}`);
        if (child.exitCode !== null) throw new Error(`exited (${child.exitCode}) before ${re}:\n${out}`);
        await new Promise((r) => setTimeout(r, 200));
      }
    },
    key: (s) => void child.stdin.write(s),
    exited: child.then((r) => r.exitCode ?? -1),
  };
}
