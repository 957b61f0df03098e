import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { createConnection, createServer } from 'node:net';
import { Connection } from '@temporalio/client';
import type { NativeConnectionOptions } from '@temporalio/worker';
import type { Service } from '../../activities/process';
import { stateDir, temporalBin } from '../../activities/settings';
import { DEFAULT_PORT, DEFAULT_UI_PORT, devServerAddress, devServerArgv } from './dev-server-argv';
import { assertOwnServer } from './server-owner';

export interface DevServer {
  address: string;
  uiPort: number;
  /** Whether we started it (and so stop it); false when one was already serving. */
  started: boolean;
  /** Its process, when we started it. */
  pid?: number;
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

/** Wait while other commands use the server (a signal ends the wait: it is stopped anyway). */
async function waitForOtherClients(port: number, serverPid: number, address: string): Promise<void> {
  const { otherClients } = await import('./server-clients');
  let interrupted = false;
  const onSignal = () => (interrupted = true);
  process.once('SIGINT', onSignal).once('SIGTERM', onSignal);
  try {
    const n = await otherClients(port, serverPid);
    if (n === 0) return;
    console.error(
      `fsto: ${n} other connection(s) use the embedded Temporal server on ${address} (another fsto command); ` +
        'it stays up until they end (Ctrl-C stops it now).',
    );
    while (!interrupted && (await otherClients(port, serverPid)) > 0)
      await new Promise((r) => setTimeout(r, 1000));
  } finally {
    process.off('SIGINT', onSignal).off('SIGTERM', onSignal);
  }
}

async function reachable(address: string, timeoutMs: number): Promise<boolean> {
  const c = await connectIfServing({ address }, timeoutMs);
  await c?.close();
  return Boolean(c);
}

export async function ensureDevServer(
  o: { port?: number; uiPort?: number; dir?: string; headless?: boolean; outlive?: boolean } = {},
): Promise<DevServer> {
  const port = o.port ?? DEFAULT_PORT;
  const uiPort = o.uiPort ?? DEFAULT_UI_PORT;
  const address = devServerAddress(port);
  await assertOwnServer(address);
  if (await reachable(address, 1000)) return foundDevServer(address, uiPort);
  const dir = o.dir ?? stateDir();
  await mkdir(dir, { recursive: true, mode: 0o700 });
  const [httpPort, metricsPort] = [await freePort(), await freePort()];
  const argv = devServerArgv({
    bin: temporalBin(),
    port,
    uiPort,
    httpPort,
    metricsPort,
    dbFile: join(dir, 'temporal.db'),
    headless: o.headless,
  });
  // Its ports are kept for this user before it listens (port-guard-rules.ts). Loaded only to start
  // one (execa): most commands find a server answering.
  const { guardPorts, sweepStaleGuards, unguard } = await import('./port-guard');
  await sweepStaleGuards();
  const uid = process.getuid?.() ?? 0;
  const guard = { port, pid: process.pid };
  const unguarded = await guardPorts(
    guard,
    [port, ...(o.headless ? [] : [uiPort]), httpPort, metricsPort],
    uid,
  );
  if (unguarded)
    console.error(
      `fsto: warning: the embedded Temporal server on ${address} is not kept for uid ${uid} (nft: ${unguarded}); ` +
        'any local user can start work on it. Install nftables and run fsto as root (scripts/setup-host.sh does), ' +
        'or use a server with TLS (--address; docs/scale-out.md, Who may start work).',
    );
  const { startService } = await import('../../activities/process');
  const service: Service = startService(argv, {
    logFile: join(dir, 'temporal-server.log'),
    ...(o.outlive ? { outlive: true } : {}),
  });
  const stop = async () => {
    await service.stop();
    await unguard(guard);
  };
  // When done: another fsto command still connected keeps it up until it is done (server-clients.ts).
  const stopWhenUnused = async () => {
    await waitForOtherClients(port, service.pid, address);
    await stop();
  };
  const deadline = Date.now() + 60_000;
  while (!(await reachable(address, 1000))) {
    const ended = await Promise.race([service.exited, new Promise((r) => setTimeout(r, 300, undefined))]);
    if (ended !== undefined || Date.now() > deadline) {
      await stop();
      throw new Error(`the Temporal dev server did not start (see ${join(dir, 'temporal-server.log')})`);
    }
  }
  return { address, uiPort, started: true, pid: service.pid, stop: stopWhenUnused };
}
