import { mkdtemp, readdir } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { WorkflowHandle } from '@temporalio/client';
import { describe, expect, it } from 'vitest';
import { BisectResult, RunSummary, type BisectSpecInput } from '../../common/schemas';
import type { fstestsBisect } from '../../workflows';
import { fixtureSpec } from '../e2e/fixture';
import { leftovers, NOTHING_LEFT } from '../e2e/leaks';
import { fstoWorkers } from '../helpers/fsto-workers';
import { uniqueId } from '../helpers/temporal';
import { standinTree } from './standin-tree';

// The real bisection workflow over the STAND-IN kernel tree (standin-tree.ts) with an
// intermittent regression: from the planted commit on, bisect/001 fails on run 3 of a step only
// (1 run in 3, deterministic per run). With --runs 5 the planted commit is blamed (with --runs 1
// its run 1 would pass and the bisection would blame the bad end). The worker is a real
// `fsto worker` process, SIGKILLed mid-bisection (during step 2's second run) and replaced; the
// oracle for "no step repeated" is the server's history: each child run started once, each
// commit's build activity run once per child run and built (not cached) once.

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('fsto bisect --runs 5 over an intermittent regression, its worker killed mid-bisection', () => {
  const workers = fstoWorkers('bisect-kill');

  /** Events of a workflow's history (all runs of it: a repeated start would show here). */
  const events = async (h: WorkflowHandle) => (await h.fetchHistory()).events ?? [];

  it('blames the planted commit and repeats no step after the kill', async () => {
    const tree = await standinTree(await mkdtemp(join(tmpdir(), 'fsto-bisect-tree-')), [
      ['c0', 'ok'],
      ['c1', 'flaky'],
      ['c2', 'broken'],
      ['c3', 'fixed'],
      ['c4', 'ok'],
    ]);
    const c = tree.commits;
    const spec: BisectSpecInput = {
      tree: tree.dir,
      good: c.c0!,
      bad: 'master',
      runs: 5,
      run: fixtureSpec(['bisect/001']),
    };
    const first = workers.start();
    const workflowId = uniqueId('e2e-bisect-kill');
    const handle = await workers.env.client.workflow.start<typeof fstestsBisect>('fstestsBisect', {
      taskQueue: workers.queue,
      workflowId,
      args: [spec],
    });
    // Step 1 is c2 (the middle: does not build), step 2 is c1: killed once its run 2 has started.
    const r2 = workers.env.client.workflow.getHandle(`${workflowId}-s2-r2`);
    for (let i = 0; i < 1200 && !(await r2.describe().catch(() => undefined)); i++) await sleep(500);
    await sleep(3_000);
    first.kill('SIGKILL');
    await first;
    void workers.start(); // awaited in afterAll

    const result = BisectResult.parse(await handle.result());
    expect(result.firstBad).toEqual({ commit: c.c1, subject: 'c1: flaky' });
    expect(result.steps.map((s) => [s.commit, s.verdict])).toEqual([
      [c.c2, 'skip'],
      [c.c1, 'bad'],
    ]);
    // Runs 1 and 2 of c1 passed, run 3 failed: the step stopped there.
    expect(result.steps[1]!.runs.map((r) => [r.status, r.failed])).toEqual([
      ['passed', []],
      ['passed', []],
      ['failed', ['bisect/001']],
    ]);

    // The server's history: every child run started once (none again after the kill).
    const started = (await events(handle))
      .map((e) => e.startChildWorkflowExecutionInitiatedEventAttributes?.workflowId)
      .filter((id): id is string => Boolean(id));
    expect(started).toEqual(['s1-r1', 's2-r1', 's2-r2', 's2-r3'].map((r) => `${workflowId}-${r}`));
    // Each child: one build activity, completed once; the commit built by the first child only.
    const builds: Record<string, { completed: number; cached: boolean[] }> = {};
    for (const s of result.steps)
      for (const run of s.runs) {
        const child = workers.env.client.workflow.getHandle(run.workflowId);
        const ev = await events(child);
        const scheduled = ev
          .filter((e) => e.activityTaskScheduledEventAttributes?.activityType?.name === 'buildKernel')
          .map((e) => String(e.eventId));
        expect(scheduled).toHaveLength(1);
        const b = (builds[s.commit] ??= { completed: 0, cached: [] });
        b.completed += ev.filter((e) =>
          scheduled.includes(String(e.activityTaskCompletedEventAttributes?.scheduledEventId)),
        ).length;
        const summary: unknown = await child.result().catch(() => undefined);
        if (summary) b.cached.push(RunSummary.parse(summary).build!.cached);
        expect(await leftovers(workers.stateDir, run.workflowId)).toEqual(NOTHING_LEFT);
      }
    expect(builds).toEqual({
      [c.c2!]: { completed: 1, cached: [] },
      [c.c1!]: { completed: 3, cached: [false, true, true] },
    });
    // One build kept (c1); the failed one kept nothing.
    expect(await readdir(join(workers.stateDir, 'kbuild', 'out'))).toHaveLength(1);
  }, 1_500_000);
});
