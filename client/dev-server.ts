import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { Connection } from '@temporalio/client';
import type { Service } from '../activities/process';
import { stateDir, temporalBin } from '../activities/settings';
import { devServerArgv } from './dev-server-argv';

export const DEFAULT_PORT = 7233;
export const DEFAULT_UI_PORT = 8233;

export interface DevServer {
  address: string;
  uiPort: number;
  /** Whether we started it (and so stop it); false when one was already serving. */
  started: boolean;
  /** Its process, when we started it. */
  pid?: number;
  stop(): Promise<void>;
}

async function reachable(address: string, timeoutMs: number): Promise<boolean> {
  try {
    const c = await Connection.connect({ address, connectTimeout: timeoutMs });
    await c.workflowService.getSystemInfo({});
    await c.close();
    return true;
  } catch {
    return false;
  }
}

/**
 * The embedded default: a Temporal CLI dev server with its SQLite file in the state dir.
 * One already serving on the port (an `fsto server` in another terminal) is reused.
 */
export async function ensureDevServer(
  o: { port?: number; uiPort?: number; dir?: string; headless?: boolean; outlive?: boolean } = {},
): Promise<DevServer> {
  const port = o.port ?? DEFAULT_PORT;
  const uiPort = o.uiPort ?? DEFAULT_UI_PORT;
  const address = `127.0.0.1:${port}`;
  if (await reachable(address, 1000)) return { address, uiPort, started: false, stop: async () => {} };
  const dir = o.dir ?? stateDir();
  await mkdir(dir, { recursive: true });
  const argv = devServerArgv({
    bin: temporalBin(),
    port,
    uiPort,
    dbFile: join(dir, 'temporal.db'),
    headless: o.headless,
  });
  // Loaded only to start one (execa): most commands find a server answering.
  const { startService } = await import('../activities/process');
  const service: Service = startService(argv, {
    logFile: join(dir, 'temporal-server.log'),
    ...(o.outlive ? { outlive: true } : {}),
  });
  const deadline = Date.now() + 60_000;
  while (!(await reachable(address, 1000))) {
    const ended = await Promise.race([service.exited, new Promise((r) => setTimeout(r, 300, undefined))]);
    if (ended !== undefined || Date.now() > deadline) {
      await service.stop();
      throw new Error(`the Temporal dev server did not start (see ${join(dir, 'temporal-server.log')})`);
    }
  }
  return { address, uiPort, started: true, pid: service.pid, stop: () => service.stop() };
}
