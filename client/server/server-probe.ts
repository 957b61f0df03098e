import { createConnection, createServer } from 'node:net';
import { Connection } from '@temporalio/client';
import type { NativeConnectionOptions } from '@temporalio/worker';

// Whether a Temporal server answers at an address, free ports, and the handle of the embedded
// server a command found or started (dev-server.ts, embedded-start.ts).

export interface DevServer {
  address: string;
  uiPort: number;
  /** Whether we started it (and so stop it); false when one was already serving. */
  started: boolean;
  /** Its process (the server's), when we started it. */
  pid?: number;
  /** Its Web UI server's process, when we started one. */
  uiPid?: number;
  stop(): Promise<void>;
}

/** One already serving (we neither started it nor stop it). */
export const foundDevServer = (address: string, uiPort: number): DevServer => ({
  address,
  uiPort,
  started: false,
  stop: async () => {},
});

/** Whether something accepts TCP connections there (a refused port answers at once; gRPC waits out its timeout). */
function portOpen(address: string): Promise<boolean> {
  const [host, port] = [address.slice(0, address.lastIndexOf(':')), Number(address.split(':').pop())];
  return new Promise((resolve) => {
    const s = createConnection({ host, port }, () => {
      s.destroy();
      resolve(true);
    });
    s.on('error', () => resolve(false));
  });
}

/** A connection to the server at `o.address` when one answers there, else undefined. */
export async function connectIfServing(
  o: NativeConnectionOptions,
  timeoutMs = 1000,
): Promise<Connection | undefined> {
  if (!o.address || !(await portOpen(o.address))) return undefined;
  try {
    // connect() itself asks the server (getSystemInfo) before it resolves.
    return await Connection.connect({ ...o, connectTimeout: timeoutMs });
  } catch {
    return undefined;
  }
}

/** A TCP port free on 127.0.0.1 now (the kernel's pick). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address() as { port: number };
      s.close(() => resolve(port));
    });
  });
}

/** Whether `port` can be listened on at 127.0.0.1 now. */
export function portFree(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const s = createServer();
    s.once('error', () => resolve(false));
    s.listen(port, '127.0.0.1', () => s.close(() => resolve(true)));
  });
}

export async function reachable(address: string, timeoutMs: number): Promise<boolean> {
  const c = await connectIfServing({ address }, timeoutMs);
  await c?.close();
  return Boolean(c);
}
