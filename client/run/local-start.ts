import { chmod, rm } from 'node:fs/promises';
import { createConnection, createServer, type Server, type Socket } from 'node:net';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { z } from 'zod';
import type { Client } from '@temporalio/client';
import { RunSpec } from '../../common/schemas';
import { bgDir } from '../server/background';
import { startRun } from './run-start';

// `fsto run` hands its starts to `fsto up`'s worker when one serves this state dir: the worker's
// client is loaded and connected, so the run's first steps (claim, devices, VM) begin while the
// command is still loading its own Temporal client to follow the run (~0.25 s of a command's
// start-up, issue 11). One JSON line each way over a Unix socket only root can open. Any failure
// (no worker, another server or namespace, a slow answer) and the command starts the run itself,
// under the same workflow id, so a start whose answer was lost is not started twice.

export const localStartSocket = (stateDir: string) => join(bgDir(stateDir), 'worker.sock');

export const LocalStartRequest = z.object({
  workflowId: z.string().min(1),
  label: z.string().min(1),
  spec: RunSpec,
  taskQueue: z.string().min(1),
  /** The server and namespace the command would use: the worker starts only on its own. */
  address: z.string().min(1),
  namespace: z.string().min(1),
});
export type LocalStartRequest = z.input<typeof LocalStartRequest>;

type Reply = { ok: true } | { ok: false; error: string };

/** The worker's side: serve starts on the socket until closed. */
export async function serveLocalStarts(
  socket: string,
  client: Client,
  own: { address: string; namespace: string },
): Promise<{ close(): Promise<void> }> {
  await rm(socket, { force: true }); // a previous worker's, dead: nobody answers on it
  const server: Server = createServer((conn) => void answer(conn, client, own));
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(socket, () => resolve());
  });
  await chmod(socket, 0o600);
  return {
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

async function answer(conn: Socket, client: Client, own: { address: string; namespace: string }) {
  const reply = (r: Reply) => conn.end(`${JSON.stringify(r)}\n`);
  conn.on('error', () => conn.destroy());
  try {
    const req = LocalStartRequest.parse(JSON.parse(await firstLine(conn)));
    if (req.address !== own.address || req.namespace !== own.namespace)
      return reply({ ok: false, error: `this worker serves ${own.namespace} on ${own.address}` });
    await startRun(client, { label: req.label, spec: req.spec }, req.taskQueue, req.workflowId);
    reply({ ok: true });
  } catch (err) {
    reply({ ok: false, error: err instanceof Error ? err.message : String(err) });
  }
}

/** The first line a peer sends; throws when the connection ends (or fails) before one. */
async function firstLine(conn: Socket): Promise<string> {
  const lines = createInterface({ input: conn });
  conn.once('close', () => lines.close()); // readline ends on 'end' only, not on destroy
  for await (const line of lines) return line;
  throw new Error('the connection ended before its line');
}

/** The command's side: whether the worker started it (false: start it yourself). */
export async function handOffStart(
  socket: string,
  req: LocalStartRequest,
  timeoutMs = 3_000,
): Promise<boolean> {
  const conn = createConnection(socket);
  conn.on('error', () => {}); // no worker there (ENOENT, ECONNREFUSED): the close ends firstLine
  const timer = setTimeout(() => conn.destroy(), timeoutMs);
  try {
    conn.write(`${JSON.stringify(req)}\n`);
    return (JSON.parse(await firstLine(conn)) as Reply).ok === true;
  } catch {
    return false;
  } finally {
    clearTimeout(timer);
    conn.destroy();
  }
}
