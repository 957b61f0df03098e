import { describe, expect, it } from 'vitest';
import { git, make, mergeFragments } from '../../activities/kernel-build/argv';
import { cacheKey, configHash } from '../../activities/kernel-build/key';
import { bisectExit, EXIT } from '../../client/core/exit-codes';
import { KernelSource, RunSpec } from '../../common/schemas';

describe('kernel build argv', () => {
  it('reads the source tree only through git -C, builds in the work dir', () => {
    expect(git.commit('/src/linux', 'v6.1')).toEqual([
      'git',
      '-C',
      '/src/linux',
      'rev-parse',
      '--verify',
      '--quiet',
      'v6.1^{commit}',
    ]);
    expect(git.range('/src/linux', 'a', 'b')).toEqual([
      'git',
      '-C',
      '/src/linux',
      'rev-list',
      '--reverse',
      '--first-parent',
      '--ancestry-path',
      'a..b',
    ]);
    expect(git.worktreeAdd('/src/linux', '/state/kbuild/work/k', 'abc')).toEqual([
      'git',
      '-C',
      '/src/linux',
      'worktree',
      'add',
      '--detach',
      '--force',
      '/state/kbuild/work/k',
      'abc',
    ]);
    expect(make('/w', ['bzImage', 'modules'], { jobs: 2, ccache: true })).toEqual([
      'make',
      '-C',
      '/w',
      '-j2',
      'CC=ccache gcc',
      'bzImage',
      'modules',
    ]);
    expect(make('/w', ['olddefconfig'])).toEqual(['make', '-C', '/w', 'olddefconfig']);
    expect(mergeFragments('/w', ['/f/a.config'])).toEqual([
      '/w/scripts/kconfig/merge_config.sh',
      '-m',
      '-O',
      '/w',
      '/w/.config',
      '/f/a.config',
    ]);
  });

  it('keys the cache by commit, config and toolchain, each of them', () => {
    const cfg = configHash({ name: 'defconfig' }, []);
    expect(configHash({ name: 'defconfig' }, [])).toBe(cfg);
    expect(configHash({ name: 'tinyconfig' }, [])).not.toBe(cfg);
    expect(configHash({ file: 'defconfig' }, [])).not.toBe(cfg); // a file's text is not a name
    expect(configHash({ name: 'defconfig' }, ['CONFIG_XFS_FS=y'])).not.toBe(cfg);
    const k = cacheKey('c1', cfg, 'gcc 12');
    expect(
      new Set([
        k,
        cacheKey('c2', cfg, 'gcc 12'),
        cacheKey('c1', 'x', 'gcc 12'),
        cacheKey('c1', cfg, 'gcc 13'),
      ]).size,
    ).toBe(4);
  });
});

describe('a kernel source in a run spec', () => {
  const base = { fstests: '/xfstests', fs: 'xfs' };
  it('takes an image path or { tree, ref, config?, fragments? }', () => {
    expect(RunSpec.parse({ ...base, kernel: '/boot/vmlinuz' }).kernel).toBe('/boot/vmlinuz');
    expect(
      RunSpec.parse({ ...base, kernel: { tree: '/src/linux', ref: 'v6.1', config: 'defconfig' } }).kernel,
    ).toEqual({
      tree: '/src/linux',
      ref: 'v6.1',
      config: 'defconfig',
      fragments: [],
    });
  });
  it('names the field of bad input', () => {
    const issues = (k: unknown) => KernelSource.safeParse(k).error?.issues.map((i) => i.path.join('.')) ?? [];
    expect(issues({ tree: 'linux', ref: 'v6.1' })).toEqual(['tree']);
    expect(issues({ tree: '/l', ref: '--upload-pack=x' })).toEqual(['ref']);
    expect(issues({ tree: '/l', ref: 'a..b' })).toEqual(['ref']);
    expect(issues({ tree: '/l', ref: 'v1', config: 'my.cfg' })).toEqual(['config']);
    expect(issues({ tree: '/l', ref: 'v1', fragments: ['x.config'] })).toEqual(['fragments.0']);
    expect(issues({ tree: '/l', ref: 'v1', treee: 1 })).toEqual(['']);
  });
});

describe('fsto run --bisect-exit', () => {
  it('maps infrastructure errors and failed builds to 125 (git bisect skip)', () => {
    expect([EXIT.ok, EXIT.testsFailed, EXIT.infraError, EXIT.buildFailed].map(bisectExit)).toEqual([
      0, 1, 125, 125,
    ]);
    // Bad input and a cancellation stop git bisect (≥ 128), as do interrupts.
    expect([EXIT.badInput, EXIT.cancelled, 130].map(bisectExit)).toEqual([255, 255, 130]);
  });
});
