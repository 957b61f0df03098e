import { createServer } from 'node:http';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ApplicationFailure } from '@temporalio/common';
import { Worker } from '@temporalio/worker';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { notifyNight } from '../../activities/results/notify';
import { quickQueue } from '../../common/queues';
import type { MatrixSummary } from '../../common/schemas';
import { FIXTURE, SMALL_DEVICES } from '../e2e/fixture';
import { captureConsole } from '../helpers/console';
import { fstoSchedule } from '../helpers/schedule-cli';
import { connect, uniqueId } from '../helpers/temporal';

// A scheduled night that no host ran: the Schedule (made by `fsto schedule create`) starts the
// real matrix, cell and run workflows on the real dev server; the one worker of their queue
// refuses every claim (a stand-in claimHost: what a night looks like when no shard ever gets a
// host), and its notify queue has the product's notifyNight. The morning must still hear of the night, by its
// name, saying that no test ran. Also: the night's name in the UI (memo, cells' summaries).
// No VM, no device: seconds.

const address = inject('temporalAddress');
captureConsole();

const fsto = (...args: string[]) => fstoSchedule(address, ...args);

describe('a scheduled night that no host ran', () => {
  const hooks: Record<string, unknown>[] = [];
  const listener = createServer((req, res) => {
    let body = '';
    req.on('data', (c: Buffer) => (body += c.toString()));
    req.on('end', () => {
      hooks.push(JSON.parse(body) as Record<string, unknown>);
      res.writeHead(204).end();
    });
  });
  const name = uniqueId('unrun');
  const queue = uniqueId('fstests-unrun');
  let env: Awaited<ReturnType<typeof connect>>;
  let worker: Worker;
  let notifier: Worker;
  let running: Promise<void>[];
  let specDir: string | undefined;
  beforeAll(async () => {
    env = await connect();
    await new Promise<void>((r) => listener.listen(0, '127.0.0.1', r));
    worker = await Worker.create({
      connection: env.native,
      taskQueue: queue,
      workflowBundle: { codePath: inject('workflowBundlePath') },
      activities: {
        claimHost: () =>
          Promise.reject(ApplicationFailure.nonRetryable('stand-in: no host takes this night', 'NoHost')),
      },
    });
    notifier = await Worker.create({
      connection: env.native,
      taskQueue: quickQueue(queue),
      activities: { notifyNight },
    });
    running = [worker.run(), notifier.run()];
  });
  afterAll(async () => {
    await env?.client.schedule
      .getHandle(name)
      .delete()
      .catch(() => undefined);
    worker?.shutdown();
    notifier?.shutdown();
    await Promise.all(running ?? []);
    await env?.close();
    listener.close();
    if (specDir) await rm(specDir, { recursive: true, force: true });
  });

  it('still posts the webhook, naming the night and saying no test ran', async () => {
    const spec = {
      fstests: FIXTURE,
      configs: ['a', 'b'].map((c) => ({ name: c, fs: 'xfs', devices: SMALL_DEVICES })),
      tests: ['fixture/001'],
      shards: 2,
      notify: { webhook: `http://127.0.0.1:${(listener.address() as AddressInfo).port}/night` },
    };
    specDir = await mkdtemp(join(tmpdir(), 'fsto-unrun-'));
    const specPath = join(specDir, 'nightly.json');
    await writeFile(specPath, JSON.stringify(spec));
    expect(await fsto('create', name, '--cron', '0 3 1 1 *', '--spec', specPath, '--task-queue', queue)).toBe(
      0,
    );
    expect(await fsto('trigger', name)).toBe(0);
    const schedule = env.client.schedule.getHandle(name);
    let id: string | undefined;
    for (let i = 0; i < 120 && !id; i++) {
      id = (await schedule.describe()).info.recentActions[0]?.action.workflow.workflowId;
      if (!id) await new Promise((r) => setTimeout(r, 250));
    }
    const handle = env.client.workflow.getHandle(id!);
    const night = (await handle.result()) as MatrixSummary;
    // The oracle: the night's name from the id the server gave (schedule name + UTC date).
    const date = /-(\d{4}-\d\d-\d\d)T[\d:]+Z$/.exec(id!)![1];
    const expectedName = `${name} ${date}`;

    expect(night.runs.map((r) => [r.config, r.tests, r.hostId || undefined])).toEqual([
      ['a', 0, undefined],
      ['b', 0, undefined],
    ]);
    expect(night.errors?.length).toBe(2);
    expect(hooks).toHaveLength(1);
    expect(hooks[0]).toMatchObject({ matrix: id, name: expectedName, ran: 0, noTestRan: true });
    expect((hooks[0]!.errors as string[]).join('\n')).toMatch(/no test ran/);

    // The Temporal UI: the night's name in the matrix's memo and each cell's summary.
    const d = await handle.describe();
    expect(d.memo).toMatchObject({ night: expectedName, schedule: name });
    for (const r of night.runs) {
      const cell = await env.client.workflow.getHandle(r.workflowId).describe();
      expect(await cell.staticSummary()).toBe(`${expectedName}: ${r.config} × ${r.kernel}`);
    }
  }, 120_000);
});
