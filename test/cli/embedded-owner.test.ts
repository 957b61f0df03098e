import { chmod, chown, mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, inject, it } from 'vitest';
import { listKernels } from '../../activities/host/kernel';
import { run } from '../../activities/process';
import { assertOwnServer, listenerUid } from '../../client/server/server-owner';
import { connect } from '../helpers/temporal';

// Hostile-input corpus, anyone on the host driving root: the harness's real Temporal dev server
// runs as root (as the embedded server of a root worker does); a local non-root user (nobody,
// via runuser) points the real fsto CLI at it. The oracle is the server: no workflow appears.
// FSTO_OWNER_TEST_ROOT runs another checkout's fsto (the old code started the run).
const root = process.env.FSTO_OWNER_TEST_ROOT ?? join(dirname(fileURLToPath(import.meta.url)), '../..');
const NOBODY = 65534;

describe('who may use the embedded server', () => {
  let dir = '';
  afterAll(async () => dir && rm(dir, { recursive: true, force: true }));

  it("a local non-root user's fsto run is refused by root's embedded server, before any workflow", async () => {
    const address = inject('temporalAddress');
    const port = Number(address.split(':').pop());
    expect(await listenerUid(port)).toBe(0);
    dir = await mkdtemp(join(tmpdir(), 'fsto-owner-'));
    await chmod(dir, 0o755);
    await mkdir(join(dir, 'cfg'));
    await mkdir(join(dir, 'state'));
    await writeFile(join(dir, 'cfg/config.yaml'), `server: { port: ${port}, uiPort: ${port + 1} }\n`);
    for (const p of ['', 'cfg', 'cfg/config.yaml', 'state']) await chown(join(dir, p), NOBODY, NOBODY);
    const env = await connect();
    const count = async () =>
      (
        await env.client.workflowService.countWorkflowExecutions({ namespace: 'default' })
      ).count?.toNumber() ?? 0;
    try {
      const before = await count();
      const kernel = (await listKernels())[0]!;
      const r = await run(
        ['runuser', '-u', 'nobody', '--', join(root, 'fsto'), 'run', 'fixture/001', '--fstests',
          join(root, 'test/fixtures/fstests'), '--kernel', kernel, '--fs', 'xfs', '--accel', 'tcg'],
        { env: { HOME: dir, FSTO_CONFIG_DIR: join(dir, 'cfg'), FSTO_STATE_DIR: join(dir, 'state') }, timeoutMs: 60_000, cwd: root },
      ); // prettier-ignore
      expect(r.stderr).toMatch(
        /embedded Temporal server on 127\.0\.0\.1:\d+ runs as uid 0, not as you \(uid 65534\)/,
      );
      expect(r.exitCode).not.toBe(0);
      expect(await count()).toBe(before);
    } finally {
      await env.close();
    }
  }, 120_000);

  it("root's fsto refuses a server on the port that another user started first", async () => {
    const srv = createServer();
    await new Promise<void>((r) => srv.listen(0, '127.0.0.1', r));
    const port = (srv.address() as { port: number }).port;
    try {
      // Ours: fine. As if it were nobody's: the uid the kernel reports is not the caller's.
      await expect(assertOwnServer(`127.0.0.1:${port}`)).resolves.toBeUndefined();
      await expect(assertOwnServer(`127.0.0.1:${port}`, NOBODY)).rejects.toThrow(/runs as uid 0, not as you/);
      await expect(assertOwnServer('127.0.0.1:1')).resolves.toBeUndefined(); // nothing listening
    } finally {
      srv.close();
    }
  });
});
