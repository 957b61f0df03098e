import { connect, type Socket } from 'node:net';

// The user's terminal joined to the guest's /dev/hvc0 (a unix socket QEMU listens on): raw mode,
// so every key (Ctrl-C included) reaches the guest's line discipline as in any terminal.

export async function connectShell(path: string, timeoutMs = 10_000): Promise<Socket> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    try {
      return await new Promise<Socket>((resolve, reject) => {
        const s = connect(path, () => resolve(s));
        s.once('error', reject);
      });
    } catch (err) {
      if (Date.now() > end) throw err;
      await new Promise((r) => setTimeout(r, 200));
    }
  }
}

/** Bridge stdin/stdout with the socket until `done` settles; the terminal is restored after. */
export async function bridge(sock: Socket, done: Promise<unknown>): Promise<void> {
  const stdin = process.stdin;
  const raw = stdin.isTTY;
  if (raw) stdin.setRawMode(true);
  stdin.resume();
  const toGuest = (b: Buffer) => void sock.write(b);
  const toUser = (b: Buffer) => void process.stdout.write(b);
  stdin.on('data', toGuest);
  sock.on('data', toUser);
  try {
    await done;
  } finally {
    stdin.off('data', toGuest);
    sock.off('data', toUser);
    if (raw) stdin.setRawMode(false);
    stdin.pause();
    sock.destroy();
  }
}

/** The guest side: a login shell on hvc0 as its controlling terminal, the host's window size. */
export function guestShellArgv(o: {
  rows: number;
  cols: number;
  term: string;
  banner: string;
  cwd: string;
}): string[] {
  const script = [
    `stty rows ${o.rows} cols ${o.cols} sane`,
    `export TERM=${o.term}`,
    `cd ${o.cwd}`,
    `printf '%s\\n' ${o.banner
      .split('\n')
      .map((l) => `'${l.replace(/'/g, `'\\''`)}'`)
      .join(' ')}`,
    'exec setsid -c -w /bin/bash --login',
  ].join('; ');
  return ['/bin/sh', '-c', `exec </dev/hvc0 >/dev/hvc0 2>&1; ${script}`];
}
