import { mkdtemp, rm } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it, vi } from 'vitest';
import { run } from '../../activities/process';
import { ensureDevServer, freePort } from '../../client/server/dev-server';
import { GUARD_PREFIX } from '../../client/server/port-guard-rules';

// The embedded server's Web UI is a second process on a port of its own. When that port is taken
// (here by a plain TCP listener of this test), the server still serves runs: a warning names the
// UI's log, no UI process is reported, and the port that is not ours is not guarded (the guard
// would refuse other users their own service). The oracle for the guard is nft's own listing.
describe('the embedded Web UI cannot start', () => {
  let dir = '';
  afterAll(async () => dir && rm(dir, { recursive: true, force: true }));

  it('the server runs without it, says so, and leaves the taken port unguarded', async () => {
    dir = await mkdtemp(join(tmpdir(), 'fsto-ui-busy-'));
    const squatter = createServer((s) => s.end('HTTP/1.0 200 OK\r\n\r\nnot a Temporal UI'));
    const uiPort = await freePort();
    await new Promise<void>((r) => squatter.listen(uiPort, '127.0.0.1', r));
    const said = vi.spyOn(console, 'error');
    const port = await freePort();
    const server = await ensureDevServer({ port, uiPort, dir });
    try {
      expect(server.started).toBe(true);
      expect(server.uiPid).toBeUndefined();
      expect(said.mock.calls.flat().join('\n')).toContain(
        `the embedded Temporal Web UI did not start (exit 1): see ${join(dir, 'temporal-ui.log')}; runs go on without it`,
      );
      const tables = (await run(['nft', 'list', 'tables'])).stdout.split('\n');
      const table = tables.find((t) => t.includes(`${GUARD_PREFIX}${port}_`))!.replace(/^table /, '');
      const rules = (await run(['nft', 'list', 'table', ...table.split(' ')])).stdout;
      expect(rules).toContain(`${port}`);
      expect(rules).not.toContain(`${uiPort}`);
    } finally {
      said.mockRestore();
      await server.stop();
      squatter.close();
    }
  }, 120_000);
});
