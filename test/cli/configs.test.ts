import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execa } from 'execa';
import { describe, expect, it } from 'vitest';
import { planDeviceSet } from '../../activities/devices/plan';
import { renderLocalConfig, testDevMkfsSteps } from '../../activities/fstests/config';
import { LIBRARY } from '../../common/configs/library';
import { configSpec, resolveConfigs, UnknownConfig } from '../../common/configs/resolve';
import { RunSpec } from '../../common/schemas';

const names = (words: string[], fs = 'ext4') => resolveConfigs(words, fs).map((c) => c.name);

describe('named configs', () => {
  it('expand as kvm-xfstests users type them', () => {
    expect(names(['xfs/4k,ext4/1k'])).toEqual(['xfs/4k', 'ext4/1k']);
    expect(names(['4k', '1k'], 'xfs')).toEqual(['xfs/4k', 'xfs/1k']); // bare: the primary fs
    expect(names(['xfs', 'ext4/default', 'btrfs'])).toEqual(['xfs/4k', 'ext4/4k', 'btrfs/default']);
    expect(names(['xfs/4k', 'xfs', '4k'], 'xfs')).toEqual(['xfs/4k']); // each once
    expect(names(['xfs/all'])).toHaveLength(11);
    expect(names(['all'], 'btrfs')).toEqual(['btrfs/default']);
    expect(() => names(['xfs/64k'])).toThrow(UnknownConfig);
    expect(() => names(['xfs/64k'])).toThrow(/xfs has xfs\/1k, xfs\/4k/);
  });

  it('user configs win over built-in ones and name their file', () => {
    const user = {
      'xfs/4k': { config: { fs: 'xfs', mkfsOptions: '-b size=4096 -m reflink=0' }, source: '/u.yaml' },
    };
    const [c] = resolveConfigs(['xfs/4k'], 'xfs', user);
    expect(c).toMatchObject({ source: '/u.yaml', config: { mkfsOptions: '-b size=4096 -m reflink=0' } });
  });

  // The oracle is this host's own mkfs: every built-in config's options make a filesystem.
  it("every built-in config is a valid run, and this host's mkfs accepts its options", async () => {
    const dir = await mkdtemp(join(tmpdir(), 'fsto-mkfs-'));
    try {
      for (const r of resolveConfigs(Object.keys(LIBRARY), 'xfs')) {
        const spec = RunSpec.safeParse({ fstests: '/x', ...configSpec(r) });
        expect(spec.success, `${r.name}: ${spec.error?.message}`).toBe(true);
        const img = join(dir, `${r.name.replace('/', '-')}.img`);
        await execa('truncate', ['-s', '2G', img]);
        const force = r.config.fs === 'ext4' ? ['-F', '-q'] : ['-f', '-q'];
        const opts = r.config.mkfsOptions?.split(/\s+/).filter(Boolean) ?? [];
        const mk = await execa(`mkfs.${r.config.fs}`, [...force, ...opts, img], { reject: false });
        expect(mk.exitCode, `${r.name}: mkfs.${r.config.fs} ${opts.join(' ')}: ${mk.stderr}`).toBe(0);
        await rm(img);
      }
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  }, 300_000);

  // Through the product's own device planner and config writer: a config that needs an external
  // log and realtime device gets them as fstests names them, with USE_EXTERNAL=yes.
  it('realtime + external log: the devices, local.config and the TEST_DEV mkfs fstests expects', () => {
    const [r] = resolveConfigs(['xfs/realtime_logdev'], 'xfs');
    const spec = RunSpec.parse({ fstests: '/x', ...configSpec(r!, { profile: 'fstests_small' }) });
    const plan = planDeviceSet(spec.devices);
    // Seven devices of the profile (vda-vdg), then the log and realtime ones in the order given.
    expect(plan.env).toMatchObject({
      TEST_DEV: '/dev/vda',
      TEST_LOGDEV: '/dev/vdh',
      SCRATCH_LOGDEV: '/dev/vdi',
      TEST_RTDEV: '/dev/vdj',
      SCRATCH_RTDEV: '/dev/vdk',
    });
    const sizes = Object.fromEntries(plan.devices.map((d) => [d.guestDevice, d.sizeBytes]));
    expect([sizes['/dev/vdh'], sizes['/dev/vdj']]).toEqual([1024 ** 3, 5 * 1024 ** 3]);
    const text = renderLocalConfig({
      fs: spec.fs,
      deviceEnv: plan.env,
      testDir: '/tmp/test',
      scratchMnt: '/tmp/scratch',
      resultBase: '/tmp/r',
      mkfsOptions: spec.mkfsOptions,
    });
    expect(text).toMatch(/^USE_EXTERNAL="yes"$/m);
    expect(text).toMatch(/^TEST_RTDEV="\/dev\/vdj"$/m);
    expect(text).toMatch(/^MKFS_OPTIONS="-d rtinherit=1 -m reflink=0,rmapbt=0"$/m);
    expect(testDevMkfsSteps('xfs', plan.env, spec.mkfsOptions)).toEqual([
      [
        'mkfs.xfs',
        '-f',
        '-d',
        'rtinherit=1',
        '-m',
        'reflink=0,rmapbt=0',
        '-l',
        'logdev=/dev/vdh',
        '-r',
        'rtdev=/dev/vdj',
        '/dev/vda',
      ],
    ]);
    // ext4: an external journal is made first, then named by the filesystem.
    expect(testDevMkfsSteps('ext4', { TEST_DEV: '/dev/vda', TEST_LOGDEV: '/dev/vdh' }, '-b 4096')).toEqual([
      ['mke2fs', '-F', '-q', '-O', 'journal_dev', '-b', '4096', '/dev/vdh'],
      ['mkfs.ext4', '-F', '-b', '4096', '-J', 'device=/dev/vdh', '/dev/vda'],
    ]);
  });
});
