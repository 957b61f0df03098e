import { Context } from '@temporalio/activity';
import { ApplicationFailure } from '@temporalio/common';
import { HOST_UNSUITABLE, INVALID_SPEC } from '../../common/errors';
import type { KernelBuildResult, KernelSource } from '../../common/schemas';
import { run } from '../process';
import { git } from './argv';
import { buildKernel, type BuildProgress } from './build';
import { checkTree, resolveConfig, resolveRef, resolveSource, SourceError } from './source';
import { probeToolchain } from './toolchain';
import { translated } from '../failures';

// Kernels from git (docs/architecture.md, "Kernels from git and bisection"): the build on the
// run's host, and the git look-ups a bisection needs.

/** Bisection ranges are kept in workflow state: a bound well inside the 2 MB payload limit. */
export const MAX_BISECT_COMMITS = 20_000;

const asInput = async <T>(p: Promise<T>): Promise<T> =>
  p.catch((err: unknown) => {
    if (err instanceof SourceError) throw ApplicationFailure.nonRetryable(err.message, INVALID_SPEC);
    throw err;
  });

export function createKernelBuildActivities(deps: { stateDir: string; hostId: string }) {
  return translated({
    /** Build a source (or find it built); heartbeats its phase and the make log's progress. */
    async buildKernel(input: { source: KernelSource }): Promise<KernelBuildResult> {
      const ctx = Context.current();
      const src = await asInput(resolveSource(input.source));
      const tc = await probeToolchain();
      if ('missing' in tc)
        throw ApplicationFailure.nonRetryable(
          `kernel: host ${deps.hostId} cannot build kernels: no ${tc.missing.join(', ')} (apt-get install build-essential git bc bison flex libelf-dev libssl-dev)`,
          HOST_UNSUITABLE,
        );
      let last: BuildProgress = { phase: 'checkout' };
      const beat = setInterval(() => ctx.heartbeat(last), 5_000);
      try {
        return await buildKernel({
          src,
          config: {
            ...(src.configText !== undefined
              ? { text: src.configText }
              : input.source.config
                ? { name: input.source.config }
                : {}),
          },
          fragments: input.source.fragments,
          toolchain: tc,
          stateDir: deps.stateDir,
          hostId: deps.hostId,
          signal: ctx.cancellationSignal,
          progress: (p) => {
            last = p;
          },
        });
      } finally {
        clearInterval(beat);
      }
    },

    /** good..bad of a tree, oldest first (bad last), checked like a run's source. */
    async listBisectCommits(input: {
      tree: string;
      good: string;
      bad: string;
      config?: string;
      fragments: string[];
    }): Promise<{ good: string; commits: string[] }> {
      return asInput(
        (async () => {
          await checkTree(input.tree, 'tree');
          const good = await resolveRef(input.tree, input.good, 'good');
          const bad = await resolveRef(input.tree, input.bad, 'bad');
          await resolveConfig(input.config, input.fragments, 'bisect');
          if ((await run(git.isAncestor(input.tree, good, bad))).exitCode !== 0)
            throw new SourceError(
              `good: ${input.good} is not an ancestor of bad ${input.bad}; swap them or pick others`,
            );
          const out = await run(git.range(input.tree, good, bad));
          const commits = out.stdout.split('\n').filter(Boolean);
          if (!commits.length || commits.at(-1) !== bad)
            throw new SourceError(`bad: no commits between ${input.good} and ${input.bad}`);
          if (commits.length > MAX_BISECT_COMMITS)
            throw new SourceError(
              `good: ${commits.length} commits to bisect, at most ${MAX_BISECT_COMMITS}; narrow the range`,
            );
          return { good, commits };
        })(),
      );
    },

    /** What a branch (or any ref) names now: a nightly's kernel, resolved once at its start. */
    async resolveKernelHead(input: { tree: string; ref: string; field: string }): Promise<{
      commit: string;
      subject: string;
    }> {
      return asInput(
        (async () => {
          await checkTree(input.tree, `${input.field}.tree`);
          const commit = await resolveRef(input.tree, input.ref, `${input.field}.ref`);
          const subject = (await run(git.subject(input.tree, commit))).stdout.trim().slice(0, 300);
          return { commit, subject };
        })(),
      );
    },

    /** A commit's subject line (the bisection's answer). */
    async commitSubject(input: { tree: string; commit: string }): Promise<string> {
      return (await run(git.subject(input.tree, input.commit))).stdout.trim().slice(0, 300);
    },
  });
}
export type KernelBuildActivities = ReturnType<typeof createKernelBuildActivities>;
