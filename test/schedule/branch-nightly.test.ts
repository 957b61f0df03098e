import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { WorkflowHandle } from '@temporalio/client';
import { afterEach, describe, expect, it } from 'vitest';
import { createKernelBuildActivities } from '../../activities/kernel-build/activities';
import { withKernels } from '../../activities/results/kernel-sidecar';
import { runOk } from '../../activities/process';
import { MatrixSpec, type Comparison, type KernelSource, type MatrixSummary } from '../../common/schemas';
import { standinTree } from '../bisect/standin-tree';
import { scriptedBatch, startScriptedHost, type ScriptedHost } from '../helpers/scripted-host';
import { uniqueId } from '../helpers/temporal';
import { createMatrixSchedule } from '../../client/schedule/schedules';
import { rootMessage } from '../../common/errors';

// A schedule whose matrix names a kernel by branch ({ tree, ref: master }): each night resolves
// the branch's head at its start (the product's resolveKernelHead activity on a real git tree;
// real schedule, dev server, matrix/cell/run workflows), so two triggers with a commit between
// them test two commits, and the second night's comparison names both. The host is scripted:
// its guest plays `check`, its build records the source it was asked for (no kernel is built),
// its report is the product's kernel sidecar (kernel-sidecar.ts) over a made-up comparison.

let host: ScriptedHost | undefined;
afterEach(async () => {
  await host?.stop();
  host = undefined;
});

describe('a nightly schedule over a branch', () => {
  it('two triggers after a new commit test two commits; the second comparison names both', async () => {
    const tree = await standinTree(await mkdtemp(join(tmpdir(), 'fsto-branch-tree-')), [['c0', 'ok']]);
    const reports = await mkdtemp(join(tmpdir(), 'fsto-branch-reports-'));
    const built: KernelSource[] = [];
    const real = createKernelBuildActivities({ stateDir: reports, hostId: 'branch-host' });
    let previous: string | undefined;
    host = await startScriptedHost(scriptedBatch({ listing: ['g/001'], behave: () => 'pass' }).run, {
      claimActivities: { resolveKernelHead: real.resolveKernelHead as (i: never) => Promise<unknown> },
      activities: {
        buildKernel: async (i: never) => {
          const { source } = i as { source: KernelSource };
          built.push(source);
          return {
            ok: true,
            commit: source.ref,
            describe: source.ref.slice(0, 7),
            configHash: '0',
            toolchain: 'scripted',
            tree: '/boot',
            cached: false,
            buildSec: 0,
          };
        },
        writeResultsReport: async (i: never) => {
          const { id, kernels } = i as { id: string; kernels?: string[] };
          const base = previous;
          previous = id;
          const path = join(reports, `${id}.html`);
          const comparison: Comparison | undefined = base
            ? {
                ...{ base, current: id, outcome: 'unchanged', regressions: [], fixes: [] },
                ...{ stillFailing: [], newlyNotRun: [], flaky: [], added: [], unchanged: 1 },
              }
            : undefined;
          const named = await withKernels(path, id, kernels, base, comparison);
          return { path, ...(base ? { baseline: base } : {}), ...(named ? { comparison: named } : {}) };
        },
      },
    });
    const name = uniqueId('branch-nightly');
    const spec = MatrixSpec.parse({
      fstests: '/f',
      configs: [{ name: 'xfs', fs: 'xfs' }],
      kernels: [{ tree: tree.dir, ref: 'master' }],
      tests: ['g/001'],
    });
    const schedule = await createMatrixSchedule(host.client, {
      name,
      cron: '0 3 1 1 *',
      spec,
      specPath: '/specs/nightly.json',
      taskQueue: host.workflowQueue,
    });
    const night = async (n: number): Promise<MatrixSummary> => {
      await schedule.trigger();
      let wf: string | undefined;
      for (let i = 0; i < 120 && !wf; i++) {
        wf = (await schedule.describe()).info.recentActions[n - 1]?.action.workflow.workflowId;
        if (!wf) await new Promise((r) => setTimeout(r, 250));
      }
      const handle: WorkflowHandle = host!.client.workflow.getHandle(wf!);
      return (await handle.result()) as MatrixSummary;
    };
    try {
      const first = await night(1);
      const git = (...a: string[]) => runOk(['git', '-C', tree.dir, ...a]);
      await runOk(['touch', join(tree.dir, 'c1')]);
      await git('add', '-A');
      await git('-c', 'user.name=t', '-c', 'user.email=t@t', 'commit', '-qm', 'c1: the next day');
      const c1 = (await git('rev-parse', 'HEAD')).trim();
      const second = await night(2);

      const c0 = tree.commits.c0!;
      expect(first.kernelHeads).toEqual([{ tree: tree.dir, ref: 'master', commit: c0, subject: 'c0: ok' }]);
      expect(second.kernelHeads).toEqual([
        { tree: tree.dir, ref: 'master', commit: c1, subject: 'c1: the next day' },
      ]);
      // Each night's cell built its own commit (pinned at the start), never "master".
      expect(built.map((s) => s.ref)).toEqual([c0, c1]);
      expect(first.runs[0]!.kernel).toBe(`${tree.dir}@master=${c0.slice(0, 12)}`);
      expect(second.comparison?.base).toBe(first.workflowId);
      expect(second.comparison?.kernels).toEqual({
        base: [`${tree.dir}@master=${c0}`],
        current: [`${tree.dir}@master=${c1}`],
      });
    } finally {
      await schedule.delete();
    }
  }, 300_000);

  it('a branch the tree does not have fails the night naming the field, before any cell', async () => {
    const tree = await standinTree(await mkdtemp(join(tmpdir(), 'fsto-branch-tree-')), [['c0', 'ok']]);
    const real = createKernelBuildActivities({ stateDir: tree.dir, hostId: 'branch-host' });
    const guest = scriptedBatch({ listing: ['g/001'] });
    host = await startScriptedHost(guest.run, {
      claimActivities: { resolveKernelHead: real.resolveKernelHead as (i: never) => Promise<unknown> },
    });
    const err = await host.client.workflow
      .execute('fstestsMatrix', {
        taskQueue: host.workflowQueue,
        workflowId: uniqueId('branch-bad'),
        args: [
          {
            fstests: '/f',
            configs: [{ name: 'xfs', fs: 'xfs' }],
            kernels: [{ tree: tree.dir, ref: 'nope' }],
          },
        ],
      })
      .then(
        () => undefined,
        (e: Error) => e,
      );
    expect(err && rootMessage(err)).toMatch(/kernels\[0\]\.ref: .* has no commit "nope"/);
    expect(guest.inputs).toHaveLength(0);
  }, 120_000);
});
