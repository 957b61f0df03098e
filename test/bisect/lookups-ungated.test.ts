import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { WorkflowHandle } from '@temporalio/client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { heldSlots, takeSlot } from '../../activities/host/slots';
import { Ledger } from '../../activities/ledger/ledger';
import { bisectProgressQuery } from '../../common/queries';
import type { BisectSpecInput, MatrixSpecInput, MatrixSummary } from '../../common/schemas';
import { FIXTURE, fixtureSpec, SMALL_DEVICES } from '../e2e/fixture';
import { captureConsole } from '../helpers/console';
import { connect, startTestHost, uniqueId, type TestHost } from '../helpers/temporal';
import { standinTree, type StandinHistory } from './standin-tree';

// The git look-ups of a nightly (its branch head) and of a bisection (its range) while the claim
// gate is shut: the only host (the product's createWorkers, real dev server, real workflows) has
// its only VM slot held in its ledger before it starts, so it admits no activity on the claim
// queue. The look-ups, on the ungated quick queue, still answer: the night pins its head and ends
// its shard unclaimed; the bisection lists its range (its first step then waits for a slot). The
// oracle is the git tree the test wrote (its commits, their subjects).

captureConsole();
const BOUND_MS = 30_000;

describe('git look-ups with every VM slot held', () => {
  let env: Awaited<ReturnType<typeof connect>>;
  let host: TestHost | undefined;
  let tree: StandinHistory;
  const open: WorkflowHandle[] = [];
  beforeAll(async () => {
    env = await connect();
    tree = await standinTree(await mkdtemp(join(tmpdir(), 'fsto-lookups-tree-')), [
      ['c0', 'ok'],
      ['c1', 'ok'],
      ['c2', 'regression'],
    ]);
    host = await startTestHost(env.native, { vmSlots: 1 }, env.connection, undefined, async (dir) => {
      const ledger = new Ledger(join(dir, 'ledger'));
      expect(await takeSlot({ ledger, stateDir: dir, vmSlots: 1 }, 'another-run')).toBe('taken');
    });
  });
  afterAll(async () => {
    // On the old code neither ends: do not leave them (or the bisection's step) to the server.
    for (const h of open) await h.terminate('test over').catch(() => undefined);
    await host?.stop();
    await env?.close();
    if (host) await rm(host.stateDir, { recursive: true, force: true });
    if (tree) await rm(tree.dir, { recursive: true, force: true });
  });

  it("a branch nightly pins its branch's head and ends unclaimed", async () => {
    const spec: MatrixSpecInput = {
      fstests: FIXTURE,
      configs: [{ name: 'a', fs: 'xfs', devices: SMALL_DEVICES }],
      kernels: [{ tree: tree.dir, ref: 'master' }],
      tests: ['fixture/001'],
      claimWithinSec: 2,
    };
    const t0 = Date.now();
    const handle = await env.client.workflow.start('fstestsMatrix', {
      taskQueue: host!.workflowQueue,
      workflowId: uniqueId('fsto-matrix-lookups'),
      args: [spec],
    });
    open.push(handle);
    const night = (await Promise.race([
      handle.result(),
      new Promise((_, reject) => setTimeout(() => reject(new Error('night hung')), BOUND_MS)),
    ])) as MatrixSummary;
    console.info(`[lookups] branch nightly ended ${Date.now() - t0} ms after the start`);
    expect(night.kernelHeads).toEqual([
      { tree: tree.dir, ref: 'master', commit: tree.commits.c2, subject: 'c2: regression' },
    ]);
    expect(night.runs[0]!.shards[0]).toMatchObject({ tests: 0, hostId: '', failure: 'infrastructure' });
    expect(await heldSlots(new Ledger(join(host!.stateDir, 'ledger')))).toBe(1);
  }, 60_000);

  it('a bisection lists its range', async () => {
    const spec: BisectSpecInput = {
      tree: tree.dir,
      good: tree.commits.c0!,
      bad: 'master',
      run: fixtureSpec(['bisect/001']),
    };
    const t0 = Date.now();
    const handle = await env.client.workflow.start('fstestsBisect', {
      taskQueue: host!.workflowQueue,
      workflowId: uniqueId('fsto-bisect-lookups'),
      args: [spec],
    });
    open.push(handle);
    let range;
    while (!range && Date.now() - t0 < BOUND_MS) {
      range = await handle.query(bisectProgressQuery).catch(() => undefined);
      if (!range) await new Promise((r) => setTimeout(r, 250));
    }
    console.info(`[lookups] bisection range ${Date.now() - t0} ms after the start`);
    expect(range, `no range within ${BOUND_MS / 1000} s`).toMatchObject({
      good: tree.commits.c0,
      bad: tree.commits.c2,
      remaining: 1,
      current: tree.commits.c1,
    });
  }, 60_000);
});
