import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { run, startService } from '../../activities/process';
import { temporalBin } from '../../activities/settings';
import { ensureDevServer, freePort } from '../../client/server/dev-server';
import { GUARD_PREFIX } from '../../client/server/port-guard-rules';
import { listenerUid } from '../../client/server/server-owner';

// Hostile-input corpus, anyone on the host driving root (issue 19): a local non-root user (nobody,
// via runuser) speaks to root's embedded server with another client than fsto — the real `temporal`
// CLI over gRPC, and a plain TCP connect to every port the server and its Web UI listen on (as ss
// lists them). The product's ensureDevServer starts the real server; the oracle is the same request
// made by root, which must succeed. Needs nftables
// (scripts/setup-host.sh installs it). On the old code nobody's requests were answered.
const root = join(dirname(fileURLToPath(import.meta.url)), '../..');

const asUser = (user: string | undefined, argv: string[]) =>
  run(user ? ['runuser', '-u', user, '--', ...argv] : argv, { timeoutMs: 30_000, env: { HOME: '/' } });
const listWorkflows = (user: string | undefined, address: string) =>
  asUser(user, [temporalBin(), 'workflow', 'list', '--address', address, '--limit', '1']);
const guardTables = async () =>
  (await run(['nft', 'list', 'tables'])).stdout.split('\n').filter((l) => l.includes(GUARD_PREFIX));

/** Every TCP port these processes listen on, as the kernel reports it (ss), not as fsto configured it. */
async function listeningPorts(pids: number[]): Promise<number[]> {
  const out = (await run(['ss', '-Htlnp'])).stdout;
  return out
    .split('\n')
    .filter((l) => pids.some((pid) => l.includes(`pid=${pid},`)))
    .map((l) => Number(l.split(/\s+/)[3]?.split(':').pop()));
}

describe('who may reach the embedded server: its ports are kept for its user', () => {
  const dirs: string[] = [];
  afterAll(async () => Promise.all(dirs.map((d) => rm(d, { recursive: true, force: true }))));

  it('nobody is refused on every port of a server fsto started; root is answered; no guard is left', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'fsto-guard-'));
    dirs.push(dir);
    const [port, uiPort] = [await freePort(), await freePort()];
    const server = await ensureDevServer({ port, uiPort, dir });
    try {
      expect(server.started).toBe(true);
      expect(await listenerUid(port)).toBe(0);
      const root_ = await listWorkflows(undefined, server.address);
      expect(root_.exitCode, root_.stderr).toBe(0);
      const nobody = await listWorkflows('nobody', server.address);
      expect(nobody.exitCode).not.toBe(0);
      // The frontend, the other three services' gRPC and membership ports, HTTP API, metrics, Web UI.
      const ports = await listeningPorts([server.pid!, server.uiPid!]);
      expect(ports).toHaveLength(11);
      expect(ports).toContain(uiPort);
      for (const p of ports) {
        const connectArgv = [process.execPath, '-e', `require('net').connect(${p},'127.0.0.1').on('connect',function(){console.log('connected');this.destroy()}).on('error',e=>{console.log('refused',e.code);process.exit(1)})`]; // prettier-ignore
        const r = await asUser(undefined, connectArgv);
        expect(r.stdout.trim(), `root on port ${p}`).toBe('connected');
        const n = await asUser('nobody', connectArgv);
        expect(n.stdout.trim(), `nobody on port ${p}`).toBe('refused ECONNREFUSED');
      }
    } finally {
      await server.stop();
    }
    expect((await guardTables()).filter((t) => t.includes(`${GUARD_PREFIX}${port}_`))).toEqual([]);
  }, 120_000);

  it("a guard whose fsto and server were killed is swept by the next server's start", async () => {
    const dir = await mkdtemp(join(tmpdir(), 'fsto-guard-'));
    dirs.push(dir);
    const [port, uiPort] = [await freePort(), await freePort()];
    const fsto = startService(
      [join(root, 'fsto'), 'server', '--port', String(port), '--ui-port', String(uiPort), '--state-dir', dir],
      { logFile: join(dir, 'fsto-server.log') },
    );
    const serverMatch = `--config-file ${join(dir, 'temporal-server.yaml')}`;
    try {
      const deadline = Date.now() + 60_000;
      while ((await listenerUid(port)) === undefined && Date.now() < deadline)
        await new Promise((r) => setTimeout(r, 200));
      const mine = (await guardTables()).filter((t) => t.includes(`${GUARD_PREFIX}${port}_${fsto.pid}`));
      expect(mine).toHaveLength(1);
      // Both die for real: nothing of theirs removes the guard.
      const found = await run(['pgrep', '-f', '--', serverMatch]);
      const serverPid = Number(found.stdout.trim());
      expect(serverPid, found.stdout).toBeGreaterThan(1);
      process.kill(fsto.pid, 'SIGKILL');
      process.kill(serverPid, 'SIGKILL');
      await fsto.exited;
      while ((await listenerUid(port)) !== undefined) await new Promise((r) => setTimeout(r, 200));
      expect(await guardTables()).toEqual(
        expect.arrayContaining([expect.stringContaining(`${port}_${fsto.pid}`)]),
      );
      const next = await ensureDevServer({
        port: await freePort(),
        uiPort: await freePort(),
        dir,
        headless: true,
      });
      try {
        expect((await guardTables()).some((t) => t.includes(`${port}_${fsto.pid}`))).toBe(false);
      } finally {
        await next.stop();
      }
    } finally {
      // Only when an assertion failed half-way: neither is left running.
      await fsto.stop();
      await run(['pkill', '-KILL', '-f', '--', serverMatch]);
    }
  }, 120_000);
});
