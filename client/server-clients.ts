import { readFile, readdir, readlink } from 'node:fs/promises';

// Who else is connected to the embedded server. A command that started the server stops it when it
// is done; another fsto command (a second run, a watch, a bisection) may be using it then, and
// stopping it would end that command's connection and its worker mid-run. The kernel knows: the
// ESTABLISHED TCP sockets whose remote port is the server's, less those of this process and of the
// server itself (its internal workers and UI connect to its own frontend).

const ESTABLISHED = '01';

/** The socket inodes a process holds (none when it is gone or not ours to read). */
async function socketInodes(pid: number | 'self'): Promise<Set<string>> {
  const dir = `/proc/${pid}/fd`;
  const fds = await readdir(dir).catch(() => [] as string[]);
  const links = await Promise.all(fds.map((fd) => readlink(`${dir}/${fd}`).catch(() => '')));
  return new Set(links.flatMap((l) => /^socket:\[(\d+)\]$/.exec(l)?.[1] ?? []));
}

/** Client sockets connected to TCP `port` on this host (inodes), from /proc/net/tcp{,6}. */
export function clientSockets(procNetTcp: string, port: number): string[] {
  const hexPort = `:${port.toString(16).toUpperCase().padStart(4, '0')}`;
  return procNetTcp.split('\n').flatMap((line) => {
    const w = line.trim().split(/\s+/);
    return w.length > 9 && w[2]!.endsWith(hexPort) && w[3] === ESTABLISHED ? [w[9]!] : [];
  });
}

/** How many connections to the server on `port` belong to neither this process nor the server. */
export async function otherClients(port: number, serverPid: number): Promise<number> {
  const text = (
    await Promise.all(['/proc/net/tcp', '/proc/net/tcp6'].map((f) => readFile(f, 'utf8').catch(() => '')))
  ).join('\n');
  const mine = new Set([...(await socketInodes('self')), ...(await socketInodes(serverPid))]);
  return clientSockets(text, port).filter((i) => !mine.has(i)).length;
}
