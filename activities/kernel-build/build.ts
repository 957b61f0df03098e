import { cpus } from 'node:os';
import { mkdir, readFile, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { KernelBuildResult } from '../../common/schemas';
import { withFileLock } from '../file-lock';
import { run } from '../process';
import { BUILD_TARGETS, git, make } from './argv';
import { cacheKey, treeKey } from './key';
import { runLogged, tail } from './make-log';
import { keepBuild } from './install';
import type { ResolvedSource } from './source';
import type { Toolchain } from './toolchain';
import { checkoutWork, configureWork } from './workdir';

// One build: look in the cache by (commit, config hash, toolchain); else, holding the tree's work
// dir, check out, configure, `make -jN bzImage modules` into the make log, keep the result. A
// failed configure or make is returned (ok: false, with the log's tail), never thrown: it is the
// commit's outcome, not the host's trouble, and building it again would fail again.

export interface BuildProgress {
  phase: 'cached' | 'waiting' | 'checkout' | 'config' | 'make' | 'keep';
  lines?: number;
  /** Of the previous build of this work dir's line count (an estimate; absent the first time). */
  percent?: number;
}

export interface BuildInput {
  src: ResolvedSource;
  config: { name?: string; text?: string };
  fragments: readonly string[];
  toolchain: Toolchain;
  stateDir: string;
  hostId: string;
  signal?: AbortSignal;
  progress: (p: BuildProgress) => void;
}

const readJson = async (p: string) =>
  JSON.parse(await readFile(p, 'utf8').catch(() => 'null')) as Record<string, unknown> | null;

export async function buildKernel(i: BuildInput): Promise<KernelBuildResult> {
  const { commit, tree } = i.src;
  const base = join(i.stateDir, 'kbuild');
  const key = cacheKey(commit, i.src.configHash, i.toolchain.id);
  const out = join(base, 'out', key);
  const found = async (): Promise<KernelBuildResult | undefined> => {
    const rec = await readJson(join(out, 'build.json'));
    if (!rec) return undefined;
    i.progress({ phase: 'cached' });
    return { ok: true, ...(rec as object), tree: out, cached: true } as KernelBuildResult;
  };
  const hit = await found();
  if (hit) return hit;
  await mkdir(join(base, 'work'), { recursive: true });
  await mkdir(join(base, 'logs'), { recursive: true });
  const work = join(base, 'work', treeKey(tree));
  const log = join(base, 'logs', `${key}.log`);
  i.progress({ phase: 'waiting' });
  // One build per work dir at a time (other runs of the same tree wait; a build can take an hour).
  return withFileLock(
    `${work}.lock`,
    async () => {
      const again = await found();
      if (again) return again;
      // Only for a build: a cache hit's record has it.
      const describe = (await run(git.describe(tree, commit))).stdout.trim() || commit.slice(0, 12);
      const started = Date.now();
      await writeFile(log, `fsto kernel build: ${tree} ${commit} (${describe})\n`);
      const failed = async (what: string): Promise<KernelBuildResult> => ({
        ok: false,
        commit,
        describe,
        logTail: `${what}\n${tail(await readFile(log, 'utf8').catch(() => ''))}`,
        log,
        hostId: i.hostId,
      });
      i.progress({ phase: 'checkout' });
      await checkoutWork(tree, work, commit);
      i.progress({ phase: 'config' });
      if ((await configureWork(work, i.config, i.fragments, log)) !== 0) return failed('configuring failed');
      const before = Number((await readJson(join(work, '.fsto-build.json')))?.lines ?? 0);
      const made = await runLogged(
        make(work, BUILD_TARGETS, { jobs: cpus().length, ccache: i.toolchain.ccache }),
        {
          log,
          ...(i.signal ? { signal: i.signal } : {}),
          onLines: (lines) =>
            i.progress({
              phase: 'make',
              lines,
              ...(before > 0 ? { percent: Math.min(99, Math.floor((100 * lines) / before)) } : {}),
            }),
        },
      );
      if (i.signal?.aborted) throw new Error('kernel build cancelled');
      if (made.exitCode !== 0) return failed(`make exited ${made.exitCode}`);
      await writeFile(join(work, '.fsto-build.json'), JSON.stringify({ lines: made.lines }));
      i.progress({ phase: 'keep' });
      const record = {
        commit,
        describe,
        configHash: i.src.configHash,
        toolchain: i.toolchain.id,
        buildSec: Math.round((Date.now() - started) / 100) / 10,
      };
      await keepBuild(work, out, record);
      return { ok: true, ...record, tree: out, cached: false };
    },
    { timeoutMs: 12 * 3600_000 },
  );
}

/** Is there a kept build at this path (the cache's own test, for tests and benches)? */
export const isKept = (dir: string) =>
  stat(join(dir, 'build.json')).then(
    () => true,
    () => false,
  );
