import { existsSync } from 'node:fs';
import { mkdtemp, readdir, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { WorkflowFailedError } from '@temporalio/client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { listKernels } from '../../activities/host/kernel';
import type { fstestsRun } from '../../workflows';
import { FIXTURE, fixtureSpec } from '../e2e/fixture';
import { leftovers, NOTHING_LEFT } from '../e2e/leaks';
import { uniqueId, useTestHost } from '../helpers/temporal';
import { foreignLoop } from '../../kit/devices';

// The host's allowlist (<state dir>/host.yaml): what a run may name, whoever starts it. A real
// worker set and dev server; the runs are refused in prepareRun / planDevices, with the field and
// the setting to change, before anything is made: no run dir, no device, no ledger entry.
describe('a run naming what this host does not allow', () => {
  const t = useTestHost();
  let outside: string;
  let loop: Awaited<ReturnType<typeof foreignLoop>>;
  beforeAll(async () => {
    const kernel = (await listKernels())[0]!;
    await writeFile(
      join(t.host.stateDir, 'host.yaml'),
      `allow:\n  paths: [${FIXTURE}, ${kernel}]\n  blockDevices: [/dev/vdz]\n`,
    );
    outside = await mkdtemp(join(tmpdir(), 'fsto-outside-'));
    loop = await foreignLoop(outside);
  });
  afterAll(async () => {
    await loop?.detach();
  });

  /** The run's failure message; `made`: whether prepareRun (run in parallel with planDevices) made the run dir. */
  const refusal = async (over: Parameters<typeof fixtureSpec>[1], made = false) => {
    const workflowId = uniqueId('allow');
    const handle = await t.env.client.workflow.start<typeof fstestsRun>('fstestsRun', {
      taskQueue: t.host.workflowQueue,
      workflowId,
      args: [fixtureSpec(['fixture/001'], over)],
    });
    const err = (await handle.result().catch((e: unknown) => e)) as WorkflowFailedError;
    expect(err).toBeInstanceOf(WorkflowFailedError);
    expect(existsSync(join(t.host.stateDir, 'runs', workflowId))).toBe(made);
    expect(await leftovers(t.host.stateDir, workflowId)).toEqual(NOTHING_LEFT);
    return String((err.cause?.cause as Error | undefined)?.message ?? err.cause?.message);
  };

  it('refuses a configFile outside allow.paths, naming the field and the setting', async () => {
    const config = join(outside, 'local.config');
    await writeFile(config, '[s]\nFSTYP=xfs\n');
    const msg = await refusal({ configFile: config, section: 's' });
    expect(msg).toContain(`configFile: ${config} is outside the paths this host allows`);
    expect(msg).toContain(`allow.paths in ${join(t.host.stateDir, 'host.yaml')}`);
  }, 120_000);

  it('refuses an excludeFile and a fstests tree outside it, each named', async () => {
    const exclude = join(outside, 'exclude');
    await writeFile(exclude, 'fixture/002\n');
    const msg = await refusal({ excludeFile: exclude, fstests: outside });
    expect(msg).toContain(`fstests: ${outside} is outside`);
    expect(msg).toContain(`excludeFile: ${exclude} is outside`);
  }, 120_000);

  it('refuses a block device not in allow.blockDevices, before it is probed', async () => {
    const msg = await refusal(
      {
        devices: { devices: [{ name: 'test', path: loop.device, envVar: 'TEST_DEV' }] },
      },
      true,
    );
    expect(msg).toContain(`device "test" path: ${loop.device} is not a block device this host allows`);
    expect(msg).toContain('allow.blockDevices');
    expect((await readdir(outside)).sort()).toEqual(['exclude', 'foreign.img', 'local.config']); // nothing beside them
  }, 120_000);
});
