import { mkdtemp, stat } from 'node:fs/promises';
import { createConnection, createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client } from '@temporalio/client';
import { afterEach, describe, expect, it } from 'vitest';
import { handOffStart, serveLocalStarts } from '../../client/run/local-start';

// The hand-over of fsto run's starts to fsto up's worker (client/run/local-start.ts), on its refusals:
// each must leave the command to start the run itself. A started run is proven end to end, with a
// real server, in test/e2e/background.test.ts. The client here is lazy and never connects: every
// request below is refused before it would be used.

const own = { address: '127.0.0.1:7233', namespace: 'default' };
const request = (over: Record<string, unknown> = {}) => ({
  workflowId: 'fsto-xfs-4k-20261201-000000-abcd',
  label: 'xfs/4k',
  spec: { fstests: '/srv/fstests', fs: 'xfs' },
  taskQueue: 'fstests',
  ...own,
  ...over,
});

/** One raw exchange: the line sent, the reply line parsed. */
function exchange(socket: string, line: string): Promise<{ ok: boolean; error?: string }> {
  return new Promise((resolve, reject) => {
    let buf = '';
    const c = createConnection(socket, () => c.write(line));
    c.setEncoding('utf8');
    c.on('data', (d: string) => (buf += d));
    c.on('end', () => resolve(JSON.parse(buf) as { ok: boolean; error?: string }));
    c.on('error', reject);
  });
}

const closers: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const c of closers.splice(0)) await c();
});

async function served() {
  const socket = join(await mkdtemp(join(tmpdir(), 'fsto-ls-')), 'worker.sock');
  const server = await serveLocalStarts(socket, new Client({ namespace: own.namespace }), own);
  closers.push(() => server.close());
  return socket;
}

describe('local starts (fsto run → fsto up worker)', () => {
  it('the socket is for root only', async () => {
    expect((await stat(await served())).mode & 0o777).toBe(0o600);
  });

  it('refuses a run for another server or namespace, saying which it serves', async () => {
    const socket = await served();
    const other = await exchange(socket, `${JSON.stringify(request({ address: '127.0.0.1:7777' }))}\n`);
    expect(other).toEqual({ ok: false, error: 'this worker serves default on 127.0.0.1:7233' });
    const ns = await exchange(socket, `${JSON.stringify(request({ namespace: 'nightly' }))}\n`);
    expect(ns.ok).toBe(false);
    expect(await handOffStart(socket, request({ namespace: 'nightly' }))).toBe(false);
  });

  it('answers a malformed request with an error naming the field', async () => {
    const socket = await served();
    expect((await exchange(socket, 'not json\n')).ok).toBe(false);
    const r = await exchange(socket, `${JSON.stringify(request({ spec: { fs: 'xfs' } }))}\n`);
    expect(r.ok).toBe(false);
    expect(r.error).toMatch(/fstests/);
  });

  it('is false, not an error, when no worker listens or none answers in time', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'fsto-ls-'));
    expect(await handOffStart(join(dir, 'worker.sock'), request())).toBe(false); // ENOENT
    const silent = createServer((c) => c.resume()); // reads, never answers
    const socket = join(dir, 'silent.sock');
    await new Promise<void>((r) => silent.listen(socket, r));
    closers.push(() => new Promise((r) => silent.close(() => r())));
    const t0 = Date.now();
    expect(await handOffStart(socket, request(), 300)).toBe(false);
    expect(Date.now() - t0).toBeGreaterThanOrEqual(290);
  });
});
