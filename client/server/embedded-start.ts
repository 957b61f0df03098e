import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { Connection } from '@temporalio/client';
import { startService, type Service } from '../../activities/process';
import { temporalServerDir, temporalUiBin } from '../../activities/settings';
import { freePort, portFree, reachable, type DevServer } from './server-probe';
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
import { markEmbeddedDb, upgradeEmbeddedDb } from './embedded-db';
import { ensureNamespace } from './embedded-namespace';
import { guardPorts, sweepStaleGuards, unguard } from './port-guard';
import { listensOn, otherClients } from './server-clients';

// Starting the embedded server (ensureDevServer, when none answers on its port): its SQLite file
// brought to the server's schema, its config written, its ports guarded before it listens, the
// server, the namespace and search attributes, then the Web UI server.

/** Wait while other commands use the server (a signal ends the wait: it is stopped anyway). */
async function waitForOtherClients(port: number, serverPids: number[], address: string): Promise<void> {
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

/**
 * The services' ports, the same on every start while they are free. The server records its members
 * (address and port) in the SQLite file: a restart on other ports leaves the last start's members in
 * the ring until they expire, and work routed to them waits (a run's first step waited 44 s after
 * `fsto down`; bench/startup.ts's embedded run took 90 s instead of 36).
 */
async function keptPorts(file: string): Promise<Record<(typeof PICKED_PORTS)[number], number>> {
  const before = JSON.parse(await readFile(file, 'utf8').catch(() => '{}')) as Record<string, unknown>;
  const ports = {} as Record<(typeof PICKED_PORTS)[number], number>;
  const taken = new Set<number>();
  for (const k of PICKED_PORTS) {
    const p = before[k];
    ports[k] = typeof p === 'number' && !taken.has(p) && (await portFree(p)) ? p : await freePort();
    taken.add(ports[k]);
  }
  await writeFile(file, JSON.stringify(ports));
  return ports;
}

export async function startEmbedded(o: {
  port: number;
  uiPort: number;
  address: string;
  dir: string;
  headless?: boolean;
  outlive?: boolean;
}): Promise<DevServer> {
  const { port, uiPort, address, dir } = o;
  await mkdir(join(dir, 'ui'), { recursive: true, mode: 0o700 });
  const picked = await keptPorts(join(dir, 'temporal-ports.json'));
  const ports = {
    frontend: port,
    ui: uiPort,
    ...picked,
  } as EmbeddedPorts;
  const ip = '127.0.0.1';
  const dbFile = join(dir, 'temporal.db');
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
  // Both processes log into the state dir; `fsto up`'s outlive this command.
  const spawnOpts = (logFile: string) => ({ logFile, ...(o.outlive ? { outlive: true } : {}) });
  const server = startService(
    embeddedServerArgv(join(temporalServerDir(), 'server'), configFile),
    spawnOpts(serverLog),
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
      ui = startService(embeddedUiArgv(temporalUiBin(), dir), spawnOpts(uiLog));
      // Runs do not need the UI: one that cannot start (its port taken…) is said, not fatal.
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
