import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { snapshotTree, treeChanges } from '../../kit/parity-tree';
import { progressQuery } from '../../common/queries';
import type { RunProgress } from '../../common/schemas';
import type { fstestsRun } from '../../workflows';
import { uniqueId, useTestHost } from '../helpers/temporal';
import { expectedVerdicts, pick } from '../parity/oracle';
import { FIXTURE, fixtureSpec, maybeRecord } from './fixture';
import { leftovers, NOTHING_LEFT } from './leaks';

// The whole product on real parts: dev server, worker, loop devices, qemu guests under TCG
// (KVM cannot work on these hosts), and the fixture suite speaking fstests' interface. The
// verdicts are checked against the suite's own hand-written oracle (tests/fixture/expected), not
// against what the run itself wrote (its result.xml).
describe('fstestsRun end to end', () => {
  const t = useTestHost();

  it('gives every verdict: pass, fail, notrun, hung and crashed, and goes on after the guest dies', async () => {
    const tests = ['001', '002', '003', '004', '005', '006', '007', '008', '009', '010'].map(
      (n) => `fixture/${n}`,
    );
    const oracle = pick(await expectedVerdicts('fixture', 'guest'), tests);
    // 009 and 010 write into their own dir (as fstests' tests do): the guest sees a writable
    // overlay; on the host that dir must not change at all (names, sizes, mtimes, links).
    const ownDir = join(FIXTURE, 'tests/fixture');
    const treeBefore = await snapshotTree(ownDir);
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

    expect(summary.tests).toHaveLength(tests.length); // exactly one verdict per test
    const verdicts = Object.fromEntries(summary.tests.map((t) => [t.name, t.verdict]));
    expect(verdicts).toEqual(oracle);
    expect(treeChanges(treeBefore, await snapshotTree(ownDir))).toEqual([]);
    expect(summary.status).toBe('failed');
    const crashed = summary.tests.find((t) => t.name === 'fixture/007')!;
    expect(crashed.crashSignature).toMatch(/sysrq triggered crash/);
    expect(summary.tests.find((t) => t.name === 'fixture/005')!.reason).toMatch(/deliberately not run/);
    expect(summary.tests.find((t) => t.name === 'fixture/004')!.reason).toContain(summary.resultsDir);

    expect(seen.some((p) => p.total === tests.length && p.done < tests.length)).toBe(true);

    expect(await leftovers(t.host.stateDir, workflowId)).toEqual(NOTHING_LEFT);
    await maybeRecord(handle, 'run-all-verdicts');
  }, 600_000);
});
