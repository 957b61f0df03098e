import { mkdtemp, readFile, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { buildKernel, type BuildProgress } from '../../activities/kernel-build/build';
import { resolveSource } from '../../activities/kernel-build/source';
import { probeToolchain, type Toolchain } from '../../activities/kernel-build/toolchain';
import { resolveKernel } from '../../activities/host/kernel';
import { standinTree } from './standin-tree';

// The build activity's own path (worktree, config, make, keep, cache) over the STAND-IN kernel tree
// (standin-tree.ts; a real kernel build is bench/bisect-kernel.ts's). No VM: seconds.

describe('kernel build from git (stand-in tree)', () => {
  it('builds a commit once, then finds it in the cache; a commit that does not build is an outcome', async () => {
    const tree = await standinTree(await mkdtemp(join(tmpdir(), 'fsto-kbuild-tree-')), [
      ['c0', 'ok'],
      ['c1', 'broken'],
    ]);
    const stateDir = await mkdtemp(join(tmpdir(), 'fsto-kbuild-state-'));
    const tc = (await probeToolchain()) as Toolchain;
    expect(tc.id).toMatch(/gcc/);
    const phases: BuildProgress['phase'][] = [];
    const build = async (ref: string) =>
      buildKernel({
        src: await resolveSource({ tree: tree.dir, ref, fragments: [] }),
        config: {},
        fragments: [],
        toolchain: tc,
        stateDir,
        hostId: 'h',
        progress: (p) => phases.push(p.phase),
      });
    const first = await build(tree.commits.c0!);
    expect(first).toMatchObject({ ok: true, commit: tree.commits.c0, cached: false });
    if (!first.ok) throw new Error('unreachable');
    // Laid out as a build tree: what --kernel DIR takes (its modules installed for the guest).
    const k = await resolveKernel(first.tree, join(stateDir, 'cache'));
    expect(k.kind).toBe('tree');
    await expect(stat(join(k.modulesDir!, 'modules.dep'))).resolves.toBeTruthy();
    expect(phases).toContain('make');

    phases.length = 0;
    const again = await build('HEAD~1'); // another name of the same commit
    expect(again).toMatchObject({ ok: true, cached: true, tree: first.tree });
    expect(phases).toEqual(['cached']); // no checkout, no make

    const broken = await build('master');
    expect(broken).toMatchObject({ ok: false, commit: tree.commits.c1 });
    if (broken.ok) throw new Error('unreachable');
    expect(broken.logTail).toMatch(/does not build \(BROKEN\)/);
    expect(await readFile(broken.log, 'utf8')).toMatch(/make -C .* bzImage modules/);
  }, 180_000);

  it('names the field: not a git tree, an unknown ref, a config file that is not there', async () => {
    const notGit = await mkdtemp(join(tmpdir(), 'fsto-kbuild-notgit-'));
    await expect(resolveSource({ tree: notGit, ref: 'v1', fragments: [] })).rejects.toThrow(
      /^kernel\.tree: .* is not a git tree/,
    );
    const tree = await standinTree(await mkdtemp(join(tmpdir(), 'fsto-kbuild-tree-')), [['c0', 'ok']]);
    await expect(resolveSource({ tree: tree.dir, ref: 'v9', fragments: [] })).rejects.toThrow(
      /^kernel\.ref: .* has no commit "v9"/,
    );
    await expect(
      resolveSource({ tree: tree.dir, ref: 'master', config: '/nonexistent/.config', fragments: [] }),
    ).rejects.toThrow(/^kernel\.config: \/nonexistent\/\.config cannot be read/);
  });
});
