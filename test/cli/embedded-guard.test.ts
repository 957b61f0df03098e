import { mkdtemp, readFile, rm } from 'node:fs/promises';
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
// CLI over gRPC and Node's fetch over the HTTP API. The product's ensureDevServer starts the real
// dev server; the oracle is the same request made by root, which must succeed. Needs nftables
// (scripts/setup-host.sh installs it). On the old code nobody's requests were answered.
const root = join(dirname(fileURLToPath(import.meta.url)), '../..');

const asUser = (user: string | undefined, argv: string[]) =>
  run(user ? ['runuser', '-u', user, '--', ...argv] : argv, { timeoutMs: 30_000, env: { HOME: '/' } });
const listWorkflows = (user: string | undefined, address: string) =>
  asUser(user, [temporalBin(), 'workflow', 'list', '--address', address, '--limit', '1']);
const guardTables = async () =>
  (await run(['nft', 'list', 'tables'])).stdout.split('\n').filter((l) => l.includes(GUARD_PREFIX));

/** The server's own listening ports, from its argv (ui, http, metrics). */
async function serverPorts(pid: number): Promise<number[]> {
  const cmd = (await readFile(`/proc/${pid}/cmdline`, 'utf8')).split('\0');
  return ['--ui-port', '--http-port', '--metrics-port']
    .map((f) => cmd.indexOf(f))
    .filter((i) => i >= 0)
    .map((i) => Number(cmd[i + 1]));
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
      const ports = await serverPorts(server.pid!);
      expect(ports).toHaveLength(3);
      for (const p of ports) {
        const fetchArgv = [process.execPath, '-e', `fetch('http://127.0.0.1:${p}/').then(r=>console.log('status',r.status),e=>{console.log('refused',e.cause?.code);process.exit(1)})`]; // prettier-ignore
        const r = await asUser(undefined, fetchArgv);
        expect(r.stdout, `root on port ${p}`).toMatch(/^status \d+/);
        const n = await asUser('nobody', fetchArgv);
        expect(n.stdout, `nobody on port ${p}`).toBe('refused ECONNREFUSED');
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
    const serverMatch = `--db-filename ${join(dir, 'temporal.db')}`;
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
