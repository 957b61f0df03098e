import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { createConnection, createServer } from 'node:net';
import { Connection } from '@temporalio/client';
import type { NativeConnectionOptions } from '@temporalio/worker';
import type { Service } from '../../activities/process';
import { stateDir, temporalServerDir, temporalUiBin } from '../../activities/settings';
import { DEFAULT_PORT, DEFAULT_UI_PORT, devServerAddress } from './dev-server-argv';
import {
  embeddedServerArgv,
  embeddedServerConfig,
  embeddedUiArgv,
  embeddedUiConfig,
  guardedPorts,
  PICKED_PORTS,
  UI_ENV,
  type EmbeddedPorts,
} from './embedded-config';
import { assertOwnServer } from './server-owner';

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

/** Wait while other commands use the server (a signal ends the wait: it is stopped anyway). */
async function waitForOtherClients(port: number, serverPids: number[], address: string): Promise<void> {
  const { otherClients } = await import('./server-clients');
  let interrupted = false;
  const onSignal = () => (interrupted = true);
  process.once('SIGINT', onSignal).once('SIGTERM', onSignal);
  try {
    const n = await otherClients(port, serverPids);
    if (n === 0) return;
    console.error(
      `fsto: ${n} other connection(s) use the embedded Temporal server on ${address} (another fsto command); ` +
        'it stays up until they end (Ctrl-C stops it now).',
    );
    while (!interrupted && (await otherClients(port, serverPids)) > 0)
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

/** Start one process of the embedded server; its log in the state dir. */
async function startProcess(argv: string[], logFile: string, outlive?: boolean): Promise<Service> {
  const { startService } = await import('../../activities/process');
  return startService(argv, { logFile, ...(outlive ? { outlive: true } : {}) });
}

async function untilUp(what: string, log: string, svc: Service, up: () => Promise<boolean>): Promise<void> {
  const deadline = Date.now() + 60_000;
  while (!(await up())) {
    const ended = await Promise.race([
      svc.exited,
      new Promise<undefined>((r) => setTimeout(r, 200, undefined)),
    ]);
    if (ended !== undefined || Date.now() > deadline)
      throw new Error(
        `the embedded ${what} did not start${ended !== undefined ? ` (exit ${ended})` : ''}: see ${log}`,
      );
  }
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
  await mkdir(join(dir, 'ui'), { recursive: true, mode: 0o700 });
  const picked: number[] = [];
  for (const _ of PICKED_PORTS) picked.push(await freePort());
  const ports = {
    frontend: port,
    ui: uiPort,
    ...Object.fromEntries(PICKED_PORTS.map((k, i) => [k, picked[i]])),
  } as EmbeddedPorts;
  const ip = '127.0.0.1';
  const dbFile = join(dir, 'temporal.db');
  // Loaded only to start one (execa): most commands find a server answering.
  const { markEmbeddedDb, upgradeEmbeddedDb } = await import('./embedded-db');
  const { ensureNamespace } = await import('./embedded-namespace');
  const upgraded = await upgradeEmbeddedDb(dbFile);
  if (upgraded) console.error(`fsto: ${upgraded}`);
  const configFile = join(dir, 'temporal-server.yaml');
  await writeFile(configFile, JSON.stringify(embeddedServerConfig({ ports, dbFile, ip }), null, 1), {
    mode: 0o600,
  });
  await writeFile(
    join(dir, 'ui', `${UI_ENV}.yaml`),
    JSON.stringify(embeddedUiConfig({ ports, ip }), null, 1),
    {
      mode: 0o600,
    },
  );
  // Its ports are kept for this user before it listens (port-guard-rules.ts).
  const { guardPorts, sweepStaleGuards, unguard } = await import('./port-guard');
  await sweepStaleGuards();
  const uid = process.getuid?.() ?? 0;
  const guard = { port, pid: process.pid };
  const unguarded = await guardPorts(guard, guardedPorts(ports, o.headless), uid);
  if (unguarded)
    console.error(
      `fsto: warning: the embedded Temporal server on ${address} is not kept for uid ${uid} (nft: ${unguarded}); ` +
        'any local user can start work on it. Install nftables and run fsto as root (scripts/setup-host.sh does), ' +
        'or use a server with TLS (--address; docs/scale-out.md, Who may start work).',
    );
  const serverLog = join(dir, 'temporal-server.log');
  const server = await startProcess(
    embeddedServerArgv(join(temporalServerDir(), 'server'), configFile),
    serverLog,
    o.outlive,
  );
  let ui: Service | undefined;
  const stop = async () => {
    await ui?.stop();
    await server.stop();
    await unguard(guard);
  };
  try {
    await untilUp('Temporal server', serverLog, server, () => reachable(address, 1000));
    const conn = await Connection.connect({ address });
    try {
      await ensureNamespace(conn, 'default');
    } finally {
      await conn.close();
    }
    await markEmbeddedDb(dbFile);
    if (!o.headless) {
      const uiLog = join(dir, 'temporal-ui.log');
      ui = await startProcess(embeddedUiArgv(temporalUiBin(), dir), uiLog, o.outlive);
      // Runs do not need the UI: one that cannot start (its port taken…) is said, not fatal.
      const { listensOn } = await import('./server-clients');
      const started = ui;
      await untilUp('Temporal Web UI', uiLog, ui, () => listensOn(started.pid, uiPort)).catch(
        async (err: Error) => {
          console.error(`fsto: warning: ${err.message}; runs go on without it`);
          await ui?.stop();
          ui = undefined;
          // Its port is someone else's then: no longer guarded.
          await guardPorts(guard, guardedPorts(ports, true), uid);
        },
      );
    }
  } catch (err) {
    await stop();
    throw err;
  }
  // When done: another fsto command still connected keeps it up until it is done (server-clients.ts).
  const stopWhenUnused = async () => {
    await waitForOtherClients(port, ui ? [server.pid, ui.pid] : [server.pid], address);
    await stop();
  };
  return { address, uiPort, started: true, pid: server.pid, uiPid: ui?.pid, stop: stopWhenUnused };
}
