import { Client, Connection } from '@temporalio/client';
import type { NativeConnectionOptions } from '@temporalio/worker';
import { connectionOptions, type ConnectOpts } from './connection';
import { connectIfServing, ensureDevServer, foundDevServer, type DevServer } from './dev-server';
import { DEFAULT_UI_PORT, devServerAddress, embeddedUiBase } from './dev-server-argv';
import { assertOwnServer } from './server-owner';
import { loadUserDefaults } from '../core/user-config';
import { fstoEnv } from '../../activities/settings';

export interface Session {
  client: Client;
  connection: NativeConnectionOptions;
  namespace: string;
  /** Set in the embedded default (no address configured). */
  embedded?: DevServer;
  uiBase?: string;
  close(): Promise<void>;
}

/** Connect as configured, or start (or reuse) the embedded dev server when no address is set. */
export async function openSession(o: ConnectOpts): Promise<Session> {
  const server = o.address ? undefined : (await loadUserDefaults()).server;
  const address = o.address ?? devServerAddress(server?.port);
  const connection = await connectionOptions({ ...o, address });
  if (!o.address) await assertOwnServer(address);
  // Embedded: one connection when a server already answers (fsto up, fsto server), else start one.
  let conn = o.address ? undefined : await connectIfServing(connection);
  const uiPort = server?.uiPort ?? DEFAULT_UI_PORT;
  const embedded = o.address
    ? undefined
    : conn
      ? foundDevServer(address, uiPort)
      : await ensureDevServer({ ...server });
  conn ??= await Connection.connect(connection);
  return {
    client: new Client({ connection: conn, namespace: o.namespace }),
    connection,
    namespace: o.namespace,
    embedded,
    // None when we started the server and its UI could not start (dev-server.ts says so).
    uiBase: embedded
      ? embedded.started && !embedded.uiPid
        ? undefined
        : embeddedUiBase(embedded.uiPort)
      : fstoEnv('FSTO_UI_URL'),
    async close() {
      await conn.close();
      await embedded?.stop();
    },
  };
}
