import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { execa } from 'execa';
import { afterAll, describe, expect, it } from 'vitest';
import { run, startService } from '../../activities/process';
import { listenerUid } from '../../client/server/server-owner';
import { freePort } from '../e2e/cli-sandbox';

// Two commands on one embedded server: the one that started it ends while another still uses it
// (the seam found running `fsto bisect` beside another command: the second one died with gRPC's
// "Channel has been shut down"). The starter here is the real `fsto server`; the other command is
// a separate process holding a real client connection, which asks the server again after the
// starter was told to stop. On the old code the server stopped at once and that call failed.
const root = join(dirname(fileURLToPath(import.meta.url)), '../..');

const OTHER = `
import { Connection } from '@temporalio/client';
const c = await Connection.connect({ address: process.argv[1] });
console.log('connected');
await new Promise((r) => process.stdin.once('data', r));
const info = await c.workflowService.getSystemInfo({});
console.log('still answered', Boolean(info.serverVersion));
await c.close();
`;

describe('the embedded server outlives its starter while another command uses it', () => {
  let dir = '';
  afterAll(async () => dir && rm(dir, { recursive: true, force: true }));

  it('stays up until the other connection ends, says so, then stops and leaves nothing', async () => {
    dir = await mkdtemp(join(tmpdir(), 'fsto-shared-'));
    const [port, uiPort] = [await freePort(), await freePort()];
    const log = join(dir, 'fsto-server.log');
    const serverMatch = `--config-file ${join(dir, 'temporal-server.yaml')}`;
    const starter = startService(
      [join(root, 'fsto'), 'server', '--port', String(port), '--ui-port', String(uiPort), '--state-dir', dir],
      { logFile: log },
    );
    const other = execa(process.execPath, ['--input-type=module', '-e', OTHER, `127.0.0.1:${port}`], {
      cwd: root,
      reject: false,
      stdin: 'pipe',
    });
    // Listened for from the start: it connects as soon as the port answers.
    const connected = new Promise<void>((resolve) =>
      other.stdout.on('data', (d: Buffer) => String(d).includes('connected') && resolve()),
    );
    try {
      // Ready when it says so (it listens a little before it has its signal handlers: a SIGTERM
      // then would end it the default way, which is not what this test is about).
      const deadline = Date.now() + 60_000;
      while (
        !(await readFile(log, 'utf8').catch(() => '')).includes('Temporal server on') &&
        Date.now() < deadline
      )
        await new Promise((r) => setTimeout(r, 200));
      await connected;
      process.kill(starter.pid, 'SIGTERM');
      const says = Date.now() + 30_000;
      while (
        !(await readFile(log, 'utf8')).includes('other connection(s) use the embedded') &&
        Date.now() < says
      )
        await new Promise((r) => setTimeout(r, 200));
      expect(await readFile(log, 'utf8')).toMatch(
        new RegExp(`1 other connection\\(s\\) use the embedded Temporal server on 127\\.0\\.0\\.1:${port}`),
      );
      await new Promise((r) => setTimeout(r, 2000));
      expect(await listenerUid(port)).toBe(0); // still serving
      other.stdin.end('go\n');
      const r = await other;
      expect(r.stdout, r.stderr).toContain('still answered true');
      expect(
        await Promise.race([starter.exited, new Promise((res) => setTimeout(res, 30_000, 'still running'))]),
      ).toBe(0);
      expect(await listenerUid(port)).toBeUndefined();
      expect((await run(['pgrep', '-f', '--', serverMatch])).stdout).toBe('');
    } finally {
      other.kill('SIGKILL');
      await starter.stop();
      await run(['pkill', '-KILL', '-f', '--', serverMatch]);
    }
  }, 120_000);
});
