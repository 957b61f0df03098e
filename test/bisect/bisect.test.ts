import { mkdtemp, readdir } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { rootMessage } from '../../common/errors';
import { bisectProgressQuery } from '../../common/queries';
import { BisectResult, RunSummary, type BisectSpecInput } from '../../common/schemas';
import type { fstestsBisect } from '../../workflows';
import { fixtureSpec, maybeRecord } from '../e2e/fixture';
import { leftovers, NOTHING_LEFT } from '../e2e/leaks';
import { uniqueId, useTestHost } from '../helpers/temporal';
import { standinTree } from './standin-tree';

// The real bisection workflow (real dev server, real worker, real QEMU guests under TCG) over a
// git tree whose "build" is a STAND-IN for a kernel build (standin-tree.ts: the host's kernel, and
// a marker the fixture test bisect/001 reads in the guest at the planted commit). The oracle is the
// history the test wrote: which commit plants the regression, which does not build.

describe('fsto bisect', () => {
  const t = useTestHost();

  it('names the planted commit, skips the commit that does not build, builds each commit once', async () => {
    const tree = await standinTree(await mkdtemp(join(tmpdir(), 'fsto-bisect-tree-')), [
      ['c0', 'ok'],
      ['c1', 'ok'],
      ['c2', 'broken'],
      ['c3', 'fixed'],
      ['c4', 'regression'],
      ['c5', 'ok'],
    ]);
    const c = tree.commits;
    const spec: BisectSpecInput = {
      tree: tree.dir,
      good: c.c0!,
      bad: 'master',
      run: fixtureSpec(['bisect/001']),
    };
    const workflowId = uniqueId('e2e-bisect');
    const handle = await t.env.client.workflow.start<typeof fstestsBisect>('fstestsBisect', {
      taskQueue: t.host.workflowQueue,
      workflowId,
      args: [spec],
    });
    // The range, live: the whole of c0..c5 at first.
    let first;
    for (let i = 0; i < 120 && !first; i++) {
      first = await handle.query(bisectProgressQuery).catch(() => undefined);
      if (!first) await new Promise((r) => setTimeout(r, 500));
    }
    expect(first).toMatchObject({ good: c.c0, bad: c.c5, remaining: 4 });

    const result = BisectResult.parse(await handle.result());
    await maybeRecord(handle, 'bisect-standin');
    expect(result.firstBad).toEqual({ commit: c.c4, subject: 'c4: regression' });
    // Middle first: c2 (does not build: skipped, no run of its tests), then c3 (good), then c4 (bad).
    expect(result.steps.map((s) => [s.commit, s.verdict])).toEqual([
      [c.c2, 'skip'],
      [c.c3, 'good'],
      [c.c4, 'bad'],
    ]);
    expect(result.steps[0]!.runs.map((r) => r.status)).toEqual(['build-failed']);
    expect(result.steps[0]!.reason).toMatch(/kernel build failed .*BROKEN/s);
    expect(result.steps[2]!.runs[0]!.failed).toEqual(['bisect/001']);
    // Each run recorded what it tested: the commit, git describe, the config hash.
    for (const s of result.steps.slice(1)) {
      const run: unknown = await t.env.client.workflow.getHandle(s.runs[0]!.workflowId).result();
      expect(RunSummary.parse(run).build).toMatchObject({ commit: s.commit, cached: false });
      expect(await leftovers(t.host.stateDir, s.runs[0]!.workflowId)).toEqual(NOTHING_LEFT);
    }
    // Two builds kept (c3, c4); the failed one kept nothing.
    expect(await readdir(join(t.host.stateDir, 'kbuild', 'out'))).toHaveLength(2);
  }, 900_000);

  it('refuses a tree that is not git and a ref it does not know, naming the field, before any run', async () => {
    const notGit = await mkdtemp(join(tmpdir(), 'fsto-bisect-notgit-'));
    const go = (over: Partial<BisectSpecInput>) =>
      t.env.client.workflow.execute<typeof fstestsBisect>('fstestsBisect', {
        taskQueue: t.host.workflowQueue,
        workflowId: uniqueId('e2e-bisect-bad'),
        args: [{ tree: notGit, good: 'v1', bad: 'v2', run: fixtureSpec(['bisect/001']), ...over }],
      });
    const cause = (p: Promise<unknown>) =>
      p.then(
        () => 'passed',
        (e: Error) => rootMessage(e),
      );
    expect(await cause(go({}))).toMatch(/tree: .* is not a git tree/);
    const tree = await standinTree(await mkdtemp(join(tmpdir(), 'fsto-bisect-tree-')), [
      ['c0', 'ok'],
      ['c1', 'ok'],
    ]);
    expect(await cause(go({ tree: tree.dir, good: 'no-such-tag', bad: 'master' }))).toMatch(
      /good: .* has no commit "no-such-tag"/,
    );
  }, 120_000);
});
