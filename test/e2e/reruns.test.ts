import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { fstestsRun } from '../../workflows';
import { uniqueId, useTestHost } from '../helpers/temporal';
import { fixtureSpec } from './fixture';
import { leftovers, NOTHING_LEFT } from './leaks';

// check -L through the whole product (real server, worker, loop devices, a qemu guest under TCG;
// KVM cannot work here): fixture/011 fails its odd runs and passes its even ones, by design
// (tests/fixture/README.md), so `-L 2` must give fail, pass, fail — the oracle is that design,
// not our parser. fstests counts the first failure: the test fails, as by hand.
describe('check -L (rerun on failure) end to end', () => {
  const t = useTestHost();

  it('keeps every run of a failing test, names the aggregate, and fails it as fstests does', async () => {
    const workflowId = uniqueId('e2e-reruns');
    const summary = await t.env.client.workflow.execute<typeof fstestsRun>('fstestsRun', {
      taskQueue: t.host.workflowQueue,
      workflowId,
      args: [fixtureSpec(['fixture/001', 'fixture/011'], { loopOnFail: 2, flakyRetries: 0 })],
    });
    expect(summary.tests.map((r) => [r.name, r.verdict])).toEqual([
      ['fixture/001', 'pass'],
      ['fixture/011', 'fail'],
    ]);
    expect(summary.tests[1]!.reason).toMatch(
      /^reruns after a failure: fail pass fail \(pass=1 \(33\.3%\), fail=2 \(66\.7%\)\)/,
    );
    const all = await readdir(summary.resultsDir, { recursive: true });
    const files = all.filter((f) => f.endsWith('iterations.json')).map((f) => join(summary.resultsDir, f));
    expect(files).toHaveLength(1);
    expect(JSON.parse(await readFile(files[0]!, 'utf8'))).toEqual({
      'fixture/011': ['fail', 'pass', 'fail'],
    });
    expect(await leftovers(t.host.stateDir, workflowId)).toEqual(NOTHING_LEFT);
  }, 600_000);
});
