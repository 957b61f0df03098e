import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { readXunit } from '../../activities/results/xunit';
import { progressQuery } from '../../common/queries';
import type { RunProgress } from '../../common/schemas';
import type { fstestsRun } from '../../workflows';
import { uniqueId, useTestHost } from '../helpers/temporal';
import { fixtureSpec, maybeRecord } from './fixture';
import { leftovers, NOTHING_LEFT } from './leaks';

// The whole product on real parts: dev server, worker, loop devices, qemu guests under TCG
// (KVM cannot work on these hosts), and the fixture suite speaking fstests' interface.
describe('fstestsRun end to end', () => {
  const t = useTestHost();

  it('gives every verdict: pass, fail, notrun, hung and crashed, and goes on after the guest dies', async () => {
    const tests = ['001', '002', '003', '004', '005', '006', '007', '008'].map((n) => `fixture/${n}`);
    const workflowId = uniqueId('e2e-verdicts');
    const handle = await t.env.client.workflow.start<typeof fstestsRun>('fstestsRun', {
      taskQueue: t.host.workflowQueue,
      workflowId,
      args: [fixtureSpec(tests)],
    });
    // Live progress while it runs: the listing arrives early, then tests one by one.
    const seen: RunProgress[] = [];
    const poll = setInterval(() => {
      handle.query(progressQuery).then(
        (p) => seen.push(p),
        () => {},
      );
    }, 1000);
    const summary = await handle.result().finally(() => clearInterval(poll));

    const verdicts = Object.fromEntries(summary.tests.map((t) => [t.name, t.verdict]));
    expect(verdicts).toEqual({
      'fixture/001': 'pass',
      'fixture/002': 'pass',
      'fixture/003': 'pass',
      'fixture/004': 'fail',
      'fixture/005': 'notrun',
      'fixture/006': 'hung',
      'fixture/007': 'crashed',
      'fixture/008': 'fail',
    });
    expect(summary.status).toBe('failed');
    const crashed = summary.tests.find((t) => t.name === 'fixture/007')!;
    expect(crashed.crashSignature).toMatch(/sysrq triggered crash/);
    expect(summary.tests.find((t) => t.name === 'fixture/005')!.reason).toMatch(/deliberately not run/);
    expect(summary.tests.find((t) => t.name === 'fixture/004')!.reason).toContain(summary.resultsDir);

    // Each verdict the suite itself wrote down (result.xml of every VM boot) is ours too.
    let compared = 0;
    for (const batch of await readdir(summary.resultsDir, { withFileTypes: true })) {
      if (!batch.isDirectory()) continue;
      const report = await readXunit(join(summary.resultsDir, batch.name, 'fsto'));
      for (const c of report?.cases ?? []) {
        expect(verdicts[c.result.name], c.result.name).toBe(c.result.verdict);
        compared++;
      }
    }
    expect(compared).toBeGreaterThanOrEqual(6);
    expect(seen.some((p) => p.total === tests.length && p.done < tests.length)).toBe(true);

    expect(await leftovers(t.host.stateDir, workflowId)).toEqual(NOTHING_LEFT);
    await maybeRecord(handle, 'run-all-verdicts');
  }, 600_000);
});
