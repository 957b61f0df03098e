import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { hostKeyOf, type MatrixSpecInput, type RunSummary } from '../../common/schemas';
import { SA_OUTCOME } from '../../common/search-attributes';
import type { fstestsMatrix } from '../../workflows';
import { connect, startTestHost, uniqueId, type TestContext } from '../helpers/temporal';
import { FIXTURE, SMALL_DEVICES } from './fixture';
import { leftovers, NOTHING_LEFT } from './leaks';

const devices = SMALL_DEVICES;

// A Temporal Schedule names the workflow it starts `<schedule id>-<the night, RFC 3339>`: colons.
// Its cells and shards inherit them, and every host-side name (ledger, run dirs, QEMU argv) is
// made of the run key (hostKeyOf). Real guests, real loop devices, real dev server.
describe('a matrix under a Schedule-style workflow id', () => {
  const t = {} as TestContext;
  beforeAll(async () => {
    t.env = await connect();
    t.host = await startTestHost(t.env.native, { vmSlots: 2 }, t.env.connection);
  });
  afterAll(async () => {
    await t.host?.stop();
    await t.env?.close();
  });

  it('runs every test on its 2 shards and leaves nothing behind', async () => {
    const tests = ['fixture/001', 'fixture/002', 'fixture/003'];
    const spec: MatrixSpecInput = {
      name: 'night',
      fstests: FIXTURE,
      configs: [{ name: 'xfs', fs: 'xfs', devices }],
      tests,
      shards: 2,
    };
    const workflowId = `${uniqueId('nightly')}-2026-12-03T07:08:07Z`;
    const handle = await t.env.client.workflow.start<typeof fstestsMatrix>('fstestsMatrix', {
      taskQueue: t.host.workflowQueue,
      workflowId,
      args: [spec],
    });
    const summary = await handle.result();
    expect(summary.errors).toBeUndefined();
    expect(summary.runs.map((r) => [r.status, r.listed, r.tests])).toEqual([['passed', 3, 3]]);
    const [cell] = summary.runs;
    expect(cell!.shards.map((s) => s.workflowId)).toEqual([
      `${workflowId}.xfs.k0.s0`,
      `${workflowId}.xfs.k0.s1`,
    ]);
    const shards = await Promise.all(
      cell!.shards.map((s) => t.env.client.workflow.getHandle(s.workflowId).result() as Promise<RunSummary>),
    );
    const verdicts = shards.flatMap((s) => s.tests.map((x) => [x.name, x.verdict]));
    expect(Object.fromEntries(verdicts)).toEqual(Object.fromEntries(tests.map((n) => [n, 'pass'])));
    expect(verdicts).toHaveLength(3); // each test once
    for (const s of shards) {
      // The run's result names its workflow; its files are under its host key.
      expect(s.workflowId).toMatch(/:/);
      expect(s.resultsDir).toBe(join(t.host.stateDir, 'runs', hostKeyOf(s.workflowId), 'results'));
      expect(await leftovers(t.host.stateDir, s.workflowId)).toEqual(NOTHING_LEFT);
    }
    expect(await readdir(join(t.host.stateDir, 'ledger')).catch(() => [])).toEqual([]);
    const desc = await handle.describe();
    expect(desc.typedSearchAttributes.get(SA_OUTCOME)).toBe('passed');
  }, 900_000);
});
