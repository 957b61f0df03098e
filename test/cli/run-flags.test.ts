import { describe, expect, it } from 'vitest';
import { memoryMiB, planRuns, type RunFlags } from '../../client/run/run-flags';
import { RunSpec } from '../../common/schemas';

const none: RunFlags = { configs: [], group: [], exclude: [], excludeTest: [], var: [], append: [] };
const plan = (f: Partial<RunFlags>, words: string[] = [], d = {}) =>
  planRuns({ ...none, fstests: '/fstests', ...f }, words, d, {}).map((p) => ({
    label: p.label,
    spec: RunSpec.parse(p.spec),
  }));

describe('fsto run flags', () => {
  it('several configs: one run each, with its own options and exclusions', () => {
    const runs = plan({ configs: ['xfs/1k,ext4/bigalloc_1k'], excludeTest: ['generic/001,generic/002'] }, [
      'generic/003',
    ]);
    expect(runs.map((r) => [r.label, r.spec.fs, r.spec.mkfsOptions, r.spec.resultsMeta?.config])).toEqual([
      ['xfs/1k', 'xfs', '-b size=1024', 'xfs/1k'],
      ['ext4/bigalloc_1k', 'ext4', '-b 1024 -O bigalloc', 'ext4/bigalloc_1k'],
    ]);
    expect(runs[1]!.spec.excludeGroups).toEqual(['collapse', 'insert']);
    expect(runs.every((r) => r.spec.excludeTests.join() === 'generic/001,generic/002')).toBe(true);
    expect(runs.every((r) => r.spec.tests.join() === 'generic/003')).toBe(true);
  });

  // kvm-xfstests' meanings (xfstests-bld run-fstests/util/parse_cli).
  it('smoke, quick and full as in kvm-xfstests', () => {
    const [smoke] = plan({}, ['smoke']);
    expect([smoke!.label, smoke!.spec.groups, smoke!.spec.vars]).toEqual([
      'ext4/4k',
      ['smoketest'],
      { SOAK_DURATION: '3m' },
    ]);
    expect(plan({ configs: ['xfs/1k'] }, ['quick']).map((r) => [r.label, r.spec.groups])).toEqual([
      ['xfs/1k', ['quick']],
    ]);
    const full = plan({ fs: 'xfs' }, ['full']); // --fs alone is a plain fs; full asks for <fs>/all
    expect(full.map((r) => r.label)).toEqual(['xfs']);
    expect(plan({}, ['full'], { fs: 'xfs' }).map((r) => r.label)).toHaveLength(11);
    expect(plan({}, ['full'], { fs: 'xfs' })[0]!.spec.groups).toEqual(['auto']);
  });

  it('every RunSpec knob has a flag; the user defaults fill what flags leave out', () => {
    const [r] = plan(
      {
        fs: 'xfs',
        repeat: '3',
        loopOnFail: '2',
        soak: '90',
        mkfs: '-m reflink=1',
        mount: '-o noatime',
        var: ['LOAD_FACTOR=2'],
        devicesProfile: 'fstests_small',
        tmpfs: true,
        memory: '4G',
        cpus: '4',
        accel: 'tcg',
        append: ['nokaslr'],
        flakyRetries: '2',
        maxVmRestarts: '5',
        hostLossTimeout: '60',
        hangFloor: '10',
        hangFactor: '2',
        hangDefault: '20',
        requireKvm: true,
      },
      [],
      { backend: 'vng', kernel: '/k/bzImage' },
    );
    expect(r!.spec).toMatchObject({
      fs: 'xfs',
      kernel: '/k/bzImage',
      iterations: 3,
      loopOnFail: 2,
      mkfsOptions: '-m reflink=1',
      mountOptions: '-o noatime',
      vars: { LOAD_FACTOR: '2', SOAK_DURATION: '90' },
      devices: { profile: 'fstests_small', useTmpfs: true },
      vm: { backend: 'vng', cpus: 4, memoryMiB: 4096, accel: 'tcg', cmdline: ['nokaslr'] },
      flakyRetries: 2,
      maxVmRestarts: 5,
      hostLossTimeoutSec: 60,
      hang: { floorSec: 10, factor: 2, defaultSec: 20 },
      requireKvm: true,
    });
    expect(
      RunSpec.safeParse(planRuns({ ...none, fstests: '/f', hangFloor: 'soon' }, [], {}, {})[0]!.spec).success,
    ).toBe(false);
    expect([memoryMiB('4096'), memoryMiB('2G'), memoryMiB('512M')]).toEqual([4096, 2048, 512]);
  });

  it('--config FILE --section S passes a local.config through; fsto adds none of its own options', () => {
    const [r] = plan({ config: '/cfg/local.config', section: 'xfs_1k' });
    expect([r!.spec.configFile, r!.spec.section, r!.spec.mkfsOptions, r!.spec.vars]).toEqual([
      '/cfg/local.config',
      'xfs_1k',
      undefined,
      {},
    ]);
    const mixed = planRuns({ ...none, fstests: '/f', config: '/c', mkfs: '-b size=1024' }, [], {}, {});
    expect(RunSpec.safeParse(mixed[0]!.spec).error?.issues[0]?.path).toEqual(['mkfsOptions']);
    expect(() => planRuns({ ...none, configs: ['xfs/4k'] }, [], {}, {})).toThrow(/--fstests/);
  });
});
