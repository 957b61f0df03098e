import { readFile } from 'node:fs/promises';

// This host's TCP sockets as the kernel lists them (/proc/net/tcp and tcp6): whose they are (uid),
// their state and ports, and the inode that names them in a process's /proc/<pid>/fd.

export const LISTEN = '0A';
export const ESTABLISHED = '01';

export interface TcpSocket {
  localPort: number;
  remotePort: number;
  /** The kernel's state code (LISTEN, ESTABLISHED, …). */
  state: string;
  uid: number;
  inode: string;
}

const portOf = (address: string) => parseInt(address.slice(address.lastIndexOf(':') + 1), 16);

export async function tcpSockets(files = ['/proc/net/tcp', '/proc/net/tcp6']): Promise<TcpSocket[]> {
  const texts = await Promise.all(files.map((f) => readFile(f, 'utf8').catch(() => '')));
  return texts.flatMap((text) =>
    text
      .split('\n')
      .slice(1)
      .map((line) => line.trim().split(/\s+/))
      .filter((w) => w.length > 9)
      .map((w) => ({
        localPort: portOf(w[1]!),
        remotePort: portOf(w[2]!),
        state: w[3]!,
        uid: Number(w[7]),
        inode: w[9]!,
      })),
  );
}
