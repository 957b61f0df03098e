import { mkdir, readFile, stat } from 'node:fs/promises';
import { dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { MatrixSpecInput, RunSummary } from '../../common/schemas';
import type { fstestsMatrix } from '../../workflows';
import { connect, startTestHost, uniqueId, type TestContext } from '../helpers/temporal';
import { FIXTURE, maybeRecord, SMALL_DEVICES } from './fixture';
import { leftovers, NOTHING_LEFT } from './leaks';
import { chromium } from '../results/chromium';

const devices = SMALL_DEVICES;

// 2 configs × 2 shards on real guests: each config is a cell whose tests two VMs pull at once.
describe('fstestsMatrix', () => {
  // 4 VM slots: both cells' two shards at once (the host's default on 2 cores is 1 slot, which
  // would run the shard runs one after another).
  const t = {} as TestContext;
  beforeAll(async () => {
    t.env = await connect();
    t.host = await startTestHost(t.env.native, { vmSlots: 4 }, t.env.connection);
  });
  afterAll(async () => {
    await t.host?.stop();
    await t.env?.close();
  });

  it('spreads each config over its shards and gets every verdict right per config', async () => {
    const spec: MatrixSpecInput = {
      name: 'e2e',
      fstests: FIXTURE,
      configs: [
        // 004 is a known failure on xfs (any kernel): it must come out expunged there, failed on ext4.
        {
          name: 'xfs',
          fs: 'xfs',
          devices,
          expunge: [{ test: 'fixture/004', reason: 'golden output is wrong' }],
        },
        { name: 'ext4', fs: 'ext4', devices },
      ],
      tests: ['fixture/001', 'fixture/002', 'fixture/003', 'fixture/004', 'fixture/005'],
      shards: 2,
    };
    const handle = await t.env.client.workflow.start<typeof fstestsMatrix>('fstestsMatrix', {
      taskQueue: t.host.workflowQueue,
      workflowId: uniqueId('e2e-matrix'),
      args: [spec],
    });
    const summary = await handle.result();
    expect(summary.status).toBe('failed'); // ext4's 004
    expect(summary.runs.map((r) => r.status)).toEqual(['passed', 'failed']);
    // The matrix report (tests × runs, from the host's results store) renders both configs.
    const html = await readFile(summary.report!, 'utf8');
    for (const text of ['fixture/004', 'xfs', 'ext4']) expect(html).toContain(text);
    // …and renders in a real browser: the screenshot is kept in the test artifacts.
    const shot = fileURLToPath(new URL('../../test-artifacts/e2e/matrix-report.png', import.meta.url));
    await mkdir(dirname(shot), { recursive: true });
    await chromium({ file: summary.report!, screenshot: shot });
    expect((await stat(shot)).size).toBeGreaterThan(20_000);
    expect(summary.runs.map((r) => r.config)).toEqual(['xfs', 'ext4']);
    // The cells' results are bounded: counts and the failing tests, not every verdict.
    expect(summary.runs.map((r) => r.counts)).toEqual([
      { pass: 3, expunged: 1, notrun: 1 },
      { pass: 3, fail: 1, notrun: 1 },
    ]);
    expect(summary.runs[1]!.failing).toEqual([
      expect.objectContaining({ name: 'fixture/004', verdict: 'fail' }),
    ]);
    let ran = 0;
    for (const run of summary.runs) {
      expect([run.listed, run.tests], run.config).toEqual([5, 5]);
      expect(run.shards).toHaveLength(2);
      // Every verdict, from the shards' own results: each test exactly once over the shards.
      const shards = await Promise.all(
        run.shards.map((s) => t.env.client.workflow.getHandle(s.workflowId).result() as Promise<RunSummary>),
      );
      const all = shards.flatMap((s) => s.tests);
      expect(all.map((x) => x.name).sort(), run.config).toEqual([...spec.tests!].sort());
      const verdicts = Object.fromEntries(all.map((x) => [x.name, x.verdict]));
      expect(verdicts, run.config).toEqual({
        'fixture/001': 'pass',
        'fixture/002': 'pass',
        'fixture/003': 'pass',
        'fixture/004': run.config === 'xfs' ? 'expunged' : 'fail',
        'fixture/005': 'notrun',
      });
      if (run.config === 'xfs')
        expect(all.find((x) => x.name === 'fixture/004')!.reason).toMatch(/golden output is wrong/);
      for (const shard of shards) {
        expect(shard.status, shard.workflowId).not.toBe('error');
        expect(await leftovers(t.host.stateDir, shard.workflowId)).toEqual(NOTHING_LEFT);
      }
      ran += shards.filter((s) => s.tests.length > 0).length;
    }
    // The spread is real, not one VM per config doing it all. (Not every shard: pulling is
    // dynamic, and under TCG one guest may boot after the other has pulled a config's 5 quick
    // tests; then it is told done.)
    expect(ran).toBeGreaterThanOrEqual(3);
    await maybeRecord(handle, 'matrix-2x2');
    // …and a cell, whose pull Updates (chunks, listing) the replay then covers.
    await maybeRecord(t.env.client.workflow.getHandle(summary.runs[0]!.workflowId), 'matrix-cell-2-shards');
  }, 900_000);
});
