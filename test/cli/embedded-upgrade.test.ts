import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client, Connection } from '@temporalio/client';
import { afterAll, describe, expect, it, vi } from 'vitest';
import { startService } from '../../activities/process';
import { TEMPORAL_SERVER_VERSION, temporalBin } from '../../activities/settings';
import { ensureDevServer, freePort } from '../../client/server/dev-server';
import { SA_KERNEL } from '../../common/search-attributes';

// The embedded server moved from the Temporal CLI's dev server (server 1.29.7) to the server
// binary (1.32.2), whose schema differs (a new table; new generated columns in the visibility
// table). A user's state dir holds a file the old server made, with their schedules (nightlies)
// and run histories in it. The old file here is made by the real old server (the CLI every host
// still builds); the oracle is the new server answering for what the old one stored. Without the
// upgrade the new server runs on the old tables as they are.
describe("the embedded server's SQLite file from the older dev server", () => {
  let dir = '';
  afterAll(async () => dir && rm(dir, { recursive: true, force: true }));

  it('is upgraded in place: schedules, runs and their search attributes are there on the new server', async () => {
    dir = await mkdtemp(join(tmpdir(), 'fsto-upgrade-'));
    const dbFile = join(dir, 'temporal.db');
    const oldPort = await freePort();
    const old = startService(
      [
        temporalBin(),
        'server',
        'start-dev',
        '--headless',
        '--ip',
        '127.0.0.1',
        '--port',
        String(oldPort),
        '--db-filename',
        dbFile,
        '--search-attribute',
        'FstoKernel=Keyword',
        '--log-level',
        'error',
      ],
      { logFile: join(dir, 'old-server.log') },
    );
    try {
      const conn = await vi.waitFor(() => Connection.connect({ address: `127.0.0.1:${oldPort}` }), {
        timeout: 60_000,
        interval: 300,
      });
      const client = new Client({ connection: conn });
      await client.workflow.start('neverRuns', {
        taskQueue: 'nobody-polls',
        workflowId: 'old-run',
        typedSearchAttributes: [{ key: SA_KERNEL, value: 'v6.1-old' }],
      });
      await client.schedule.create({
        scheduleId: 'old-nightly',
        spec: { cronExpressions: ['0 2 * * *'] },
        action: { type: 'startWorkflow', workflowType: 'neverRuns', taskQueue: 'nobody-polls' },
      });
      await vi.waitFor(
        async () => expect((await client.workflow.count(`${SA_KERNEL.name} = 'v6.1-old'`)).count).toBe(1),
        { timeout: 20_000, interval: 300 },
      );
      await conn.close();
    } finally {
      await old.stop();
    }

    const said = vi.spyOn(console, 'error');
    const server = await ensureDevServer({ port: await freePort(), dir, headless: true });
    try {
      expect(said.mock.calls.flat().join('\n')).toMatch(
        /upgraded to server .*: table current_chasm_executions created; table executions_visibility rebuilt \(\d+ rows\)/,
      );
      expect(existsSync(`${dbFile}.before-${TEMPORAL_SERVER_VERSION}`)).toBe(true);
      const conn = await Connection.connect({ address: server.address });
      const client = new Client({ connection: conn });
      expect((await conn.workflowService.getSystemInfo({})).serverVersion).toBe(TEMPORAL_SERVER_VERSION);
      const runs = [];
      for await (const w of client.workflow.list({ query: `${SA_KERNEL.name} = 'v6.1-old'` }))
        runs.push(w.workflowId);
      expect(runs).toEqual(['old-run']);
      const sched = await client.schedule.getHandle('old-nightly').describe();
      expect(sched.spec.calendars?.length).toBeGreaterThan(0);
      // New work is stored and found beside the old.
      await client.workflow.start('neverRuns', {
        taskQueue: 'nobody-polls',
        workflowId: 'new-run',
        typedSearchAttributes: [{ key: SA_KERNEL, value: 'v6.1-new' }],
      });
      await vi.waitFor(
        async () =>
          expect((await client.workflow.count(`${SA_KERNEL.name} STARTS_WITH 'v6.1'`)).count).toBe(2),
        { timeout: 20_000, interval: 300 },
      );
      await conn.close();
    } finally {
      await server.stop();
    }

    // The next start finds the file current: no second upgrade.
    said.mockClear();
    const again = await ensureDevServer({ port: await freePort(), dir, headless: true });
    await again.stop();
    expect(said.mock.calls.flat().join('\n')).not.toMatch(/upgraded/);
    said.mockRestore();
  }, 180_000);
});
