import { readdir, readlink } from 'node:fs/promises';
import { ESTABLISHED, LISTEN, tcpSockets } from './proc-tcp';

// Who else is connected to the embedded server. A command that started the server stops it when it
// is done; another fsto command (a second run, a watch, a bisection) may be using it then, and
// stopping it would end that command's connection and its worker mid-run. The kernel knows: the
// ESTABLISHED TCP sockets whose remote port is the server's, less those of this process and of the
// server's own processes (its internal workers connect to its own frontend, and so does its Web UI server).

/** The socket inodes a process holds (none when it is gone or not ours to read). */
async function socketInodes(pid: number | 'self'): Promise<Set<string>> {
  const dir = `/proc/${pid}/fd`;
  const fds = await readdir(dir).catch(() => [] as string[]);
  const links = await Promise.all(fds.map((fd) => readlink(`${dir}/${fd}`).catch(() => '')));
  return new Set(links.flatMap((l) => /^socket:\[(\d+)\]$/.exec(l)?.[1] ?? []));
}

/** How many connections to the server on `port` belong to neither this process nor the server's. */
export async function otherClients(port: number, serverPids: readonly number[]): Promise<number> {
  const own = await Promise.all(['self' as const, ...serverPids].map(socketInodes));
  const mine = new Set(own.flatMap((s) => [...s]));
  return (await tcpSockets()).filter(
    (s) => s.state === ESTABLISHED && s.remotePort === port && !mine.has(s.inode),
  ).length;
}

/** Whether process `pid` itself listens on `port` (not merely: something answers there). */
export async function listensOn(pid: number, port: number): Promise<boolean> {
  const own = await socketInodes(pid);
  return (await tcpSockets()).some((s) => s.state === LISTEN && s.localPort === port && own.has(s.inode));
}
