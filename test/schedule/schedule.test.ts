import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ScheduleNotFoundError } from '@temporalio/client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { inject } from 'vitest';
import { connect, uniqueId } from '../helpers/temporal';
import { captureConsole } from '../helpers/console';
import { fstoSchedule } from '../helpers/schedule-cli';

// `fsto schedule …` through commander, in process, against the harness's real dev server.
// No worker polls the test's task queue: a triggered schedule must START a workflow of type
// fstestsMatrix (which we then see in the server); running it is the matrix workflow's business.

let env: Awaited<ReturnType<typeof connect>>;
let specPath: string;
const { out, err } = captureConsole();
const address = inject('temporalAddress');
const taskQueue = uniqueId('fstests-sched');
const started: string[] = [];

const fsto = (...args: string[]) => fstoSchedule(address, ...args);

async function eventually<T>(fn: () => Promise<T | undefined>, what: string, ms = 15_000): Promise<T> {
  const end = Date.now() + ms;
  for (;;) {
    const v = await fn();
    if (v !== undefined) return v;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 250));
  }
}

beforeAll(async () => {
  env = await connect();
  const dir = await mkdtemp(join(tmpdir(), 'fsto-sched-'));
  specPath = join(dir, 'nightly.yaml');
  await writeFile(specPath, 'fstests: fstests\ngroups: [quick]\nconfigs:\n  - { name: xfs, fs: xfs }\n');
});
afterAll(async () => {
  for (const id of started)
    await env.client.workflow
      .getHandle(id)
      .terminate('test done')
      .catch(() => undefined);
  await env?.close();
});

describe('fsto schedule', () => {
  it('refuses a bad cron, zone or spec with the flag and the fix, creating nothing', async () => {
    const name = uniqueId('bad');
    expect(
      await fsto('create', name, '--cron', '0 25 * * *', '--spec', specPath, '--task-queue', taskQueue),
    ).toBe(2);
    expect(err.join('\n')).toMatch(/--cron: field 2 \(hour\): 25 is out of range 0-23/);
    expect(
      await fsto('create', name, '--cron', '@daily', '--timezone', 'Atlantis/Sunk', '--spec', specPath),
    ).toBe(2);
    expect(err.join('\n')).toMatch(/--timezone: "Atlantis\/Sunk"/);
    const badSpec = join(specPath, '..', 'bad.yaml');
    await writeFile(badSpec, 'fstests: /f\nconfigs: [{ name: x, fs: xfs }]\nshard: 2\n');
    expect(await fsto('create', name, '--cron', '@daily', '--spec', badSpec)).toBe(2);
    expect(err.join('\n')).toMatch(/shard: unknown field; did you mean "shards"\?/);
    await expect(env.client.schedule.getHandle(name).describe()).rejects.toBeInstanceOf(
      ScheduleNotFoundError,
    );
  });

  it('create, list, describe, pause, unpause, trigger (starts fstestsMatrix), delete', async () => {
    const name = uniqueId('nightly');
    const handle = env.client.schedule.getHandle(name);
    expect(
      await fsto(
        'create',
        name,
        '--cron',
        '0 3 * * *',
        '--timezone',
        'Europe/Berlin',
        '--spec',
        specPath,
        '--task-queue',
        taskQueue,
      ),
    ).toBe(0);
    expect(out.join('\n')).toContain(`schedule ${name} created`);
    expect(
      await fsto('create', name, '--cron', '@daily', '--spec', specPath, '--task-queue', taskQueue),
    ).toBe(2);
    expect(err.join('\n')).toContain(`${name} exists; delete it first`);

    const d = await handle.describe();
    expect(d.action.workflowType).toBe('fstestsMatrix');
    expect(d.action.taskQueue).toBe(taskQueue);
    expect(d.policies).toMatchObject({ overlap: 'SKIP', catchupWindow: 3_600_000 });
    expect(d.spec.timezone).toBe('Europe/Berlin');
    expect(d.memo).toMatchObject({ specFile: specPath, cron: '0 3 * * *' });
    // The validated spec (paths resolved, defaults filled, named after the schedule) is stored.
    expect(d.action.args?.[0]).toMatchObject({
      name,
      fstests: join(specPath, '..', 'fstests'),
      groups: ['quick'],
      shards: 1,
    });
    expect(d.info.nextActionTimes[0]!.getTime()).toBeGreaterThan(Date.now());

    // Listing goes through the server's visibility store, which may lag a moment.
    const row = await eventually(async () => {
      out.length = 0;
      expect(await fsto('list', '--json')).toBe(0);
      const rows = JSON.parse(out.join('\n')) as { name: string; cron?: string; specFile?: string }[];
      return rows.find((r) => r.name === name);
    }, 'the schedule in list');
    expect(row).toMatchObject({ cron: '0 3 * * *', specFile: specPath, workflowType: 'fstestsMatrix' });

    out.length = 0;
    expect(await fsto('describe', name)).toBe(0);
    expect(out.join('\n')).toMatch(
      /cron 0 3 \* \* \* in Europe\/Berlin; overlap SKIP, catch-up window 3600s/,
    );
    expect(out.join('\n')).toContain(`spec file ${specPath}`);

    expect(await fsto('pause', name, '--note', 'kernel tree broken')).toBe(0);
    expect((await handle.describe()).state).toMatchObject({ paused: true, note: 'kernel tree broken' });
    expect(await fsto('unpause', name)).toBe(0);
    expect((await handle.describe()).state.paused).toBe(false);

    expect(await fsto('trigger', name)).toBe(0);
    const action = await eventually(
      async () => (await handle.describe()).info.recentActions[0],
      'a triggered action',
    );
    const workflowId = action.action.workflow.workflowId;
    started.push(workflowId);
    expect(workflowId.startsWith(`fsto-matrix-${name}-`)).toBe(true);
    const wf = await env.client.workflow.getHandle(workflowId).describe();
    expect(wf.type).toBe('fstestsMatrix');
    expect(wf.taskQueue).toBe(taskQueue);
    expect(wf.memo).toMatchObject({ specFile: specPath, schedule: name });
    // Nothing runs it here; the server still knows it as started (and running).
    expect(wf.status.name).toBe('RUNNING');

    expect(await fsto('delete', name)).toBe(0);
    await expect(handle.describe()).rejects.toBeInstanceOf(ScheduleNotFoundError);
    expect(await fsto('pause', name)).toBe(2);
    expect(err.join('\n')).toContain(`no schedule ${name}; see 'fsto schedule list'`);
  });

  it('trigger refuses an unknown overlap policy', async () => {
    expect(await fsto('trigger', 'whatever', '--overlap', 'sometimes')).toBe(2);
    expect(err.join('\n')).toMatch(/--overlap: "sometimes" is not one of skip/);
  });
});
