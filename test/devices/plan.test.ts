import { describe, expect, it } from 'vitest';
import {
  findmntAllArgv,
  losetupAttachArgv,
  losetupByFileArgv,
  losetupDetachArgv,
  mountTmpfsArgv,
  parseFindmntSources,
} from '../../activities/devices/argv';
import { planDeviceSet, serialFor } from '../../activities/devices/plan';
import { GiB, parseSize } from '../../common/schemas';

// The pure parts: planner, sizes, argv builders. No host involved.

describe('planner', () => {
  it.each([
    ['fstests_default', 10 * GiB],
    ['fstests_small', 5 * GiB],
    ['fstests_large', 50 * GiB],
  ] as const)(
    '%s: 7 devices in guest order, fstests env with SCRATCH_DEV folded into the pool',
    (profile, bytes) => {
      const plan = planDeviceSet({ profile });
      expect(plan.devices.map((d) => [d.name, d.guestDevice, d.source, d.sizeBytes])).toEqual([
        ['test', '/dev/vda', 'file', bytes],
        ['scratch', '/dev/vdb', 'file', bytes],
        ['pool1', '/dev/vdc', 'file', bytes],
        ['pool2', '/dev/vdd', 'file', bytes],
        ['pool3', '/dev/vde', 'file', bytes],
        ['pool4', '/dev/vdf', 'file', bytes],
        ['logwrites', '/dev/vdg', 'file', bytes],
      ]);
      // fstests' common/config exits when SCRATCH_DEV and SCRATCH_DEV_POOL are both set.
      expect(plan.env).toEqual({
        TEST_DEV: '/dev/vda',
        SCRATCH_DEV_POOL: '/dev/vdb /dev/vdc /dev/vdd /dev/vde /dev/vdf',
        LOGWRITES_DEV: '/dev/vdg',
      });
      expect(plan.fileBytes).toBe(7 * bytes);
      expect(plan.notes.join()).toMatch(/SCRATCH_DEV .* left unset/);
    },
  );

  it('defaults to fstests_default; the tmpfs override moves every size device to tmpfs', () => {
    expect(planDeviceSet(undefined).devices[0]!.size).toBe('10G');
    const plan = planDeviceSet({ profile: 'fstests_small', useTmpfs: true });
    expect(plan.devices.every((d) => d.source === 'tmpfs')).toBe(true);
    expect([plan.tmpfsBytes, plan.fileBytes]).toEqual([35 * GiB, 0]);
  });

  it('orders guests by order, the pool by envVarIndex; SCRATCH_DEV stays set without a pool', () => {
    const plan = planDeviceSet({
      devices: [
        { name: 'p-late', size: '1G', envVar: 'SCRATCH_DEV_POOL', envVarIndex: 1, order: 0 },
        { name: 'p-early', size: '1G', envVar: 'SCRATCH_DEV_POOL', envVarIndex: 0, order: 3 },
        { name: 't', size: '1G', envVar: 'TEST_DEV', order: 2 },
        { name: 'x', size: '512M', envVar: 'MY_DISK', order: 1, useTmpfs: true },
      ],
    });
    expect(plan.devices.map((d) => `${d.name}=${d.guestDevice}`)).toEqual([
      'p-late=/dev/vda',
      'x=/dev/vdb',
      't=/dev/vdc',
      'p-early=/dev/vdd',
    ]);
    expect(plan.env).toEqual({
      SCRATCH_DEV_POOL: '/dev/vdd /dev/vda',
      MY_DISK: '/dev/vdb',
      TEST_DEV: '/dev/vdc',
    });
    const two = planDeviceSet({
      devices: [
        { name: 't', size: '1G', envVar: 'TEST_DEV' },
        { name: 's', size: '1G', envVar: 'SCRATCH_DEV' },
      ],
    });
    expect(two.env).toEqual({ TEST_DEV: '/dev/vda', SCRATCH_DEV: '/dev/vdb' });
  });

  it('gives every device a serial of at most 20 characters, unique even when names share a long prefix', () => {
    const devices = Array.from({ length: 20 }, (_, i) => ({
      name: `a-very-long-common-device-name-${i}`,
      size: '1M',
      ...(i === 0 ? { envVar: 'TEST_DEV' } : {}),
    }));
    const serials = planDeviceSet({ devices }).devices.map((d) => d.serial);
    expect(new Set(serials).size).toBe(20);
    expect(serials.every((s) => s.length <= 20)).toBe(true);
    expect(serialFor(0, 'test')).toBe('fstoa-test');
  });
});

describe('sizes and argv', () => {
  it('parses 10G, 512M, 1024K and refuses anything else', () => {
    expect([parseSize('10G'), parseSize('512M'), parseSize('1024K')]).toEqual([
      10 * GiB,
      512 * 2 ** 20,
      2 ** 20,
    ]);
    for (const bad of ['', '10', '10T', '-1G', '0G', '1.5G', '1e30', ' 1G', '10GB', '010G']) {
      expect(parseSize(bad), bad).toBeUndefined();
    }
  });

  it('builds argv that names exactly one resource; never a detach-all', () => {
    expect(losetupAttachArgv('/s/f.img', false)).toEqual([
      'losetup',
      '--find',
      '--show',
      '--direct-io=off',
      '/s/f.img',
    ]);
    expect(losetupAttachArgv('/s/f.img', true)).toContain('--read-only');
    expect(losetupDetachArgv('/dev/loop3')).toEqual(['losetup', '--detach', '/dev/loop3']);
    expect(losetupByFileArgv('/s/f.img')).toEqual([
      'losetup', '--list', '--json', '--output', 'NAME,BACK-FILE', '--associated', '/s/f.img',
    ]); // prettier-ignore
    expect(mountTmpfsArgv('/s/t', 4096)).toEqual([
      'mount', '-t', 'tmpfs', '-o', 'size=4096,mode=0700,nosuid,nodev,noexec', 'fsto-devices', '/s/t',
    ]); // prettier-ignore
    const all = [losetupAttachArgv('/f', true), losetupDetachArgv('/dev/loop0'), findmntAllArgv()].flat();
    expect(all.filter((a) => a === '-D' || a === '--detach-all')).toEqual([]);
  });

  it('reads mount sources, dropping btrfs subvolume suffixes', () => {
    const out = JSON.stringify({
      filesystems: [
        { source: '/dev/vda', target: '/' },
        { source: '/dev/sdb1[/@home]', target: '/home' },
        { source: 'tmpfs', target: '/tmp' },
      ],
    });
    const m = parseFindmntSources(out);
    expect(m.get('/dev/sdb1')).toEqual(['/home']);
    expect(m.get('/dev/vda')).toEqual(['/']);
  });
});
