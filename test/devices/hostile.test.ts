import { existsSync, readdirSync } from 'node:fs';
import { mkdir, readFile, readdir, symlink } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { planOnHost } from '../../activities/devices/activities';
import { planDeviceSet } from '../../activities/devices/plan';
import { setupDevices } from '../../activities/devices/setup';
import { run, runOk } from '../../activities/process';
import { FstoError } from '../../common/errors';
import { foreignLoop, loopsUnder, mountsUnder, testState, type TestState } from '../../kit/devices';

// Hostile specs: each is refused with a message naming the field and the fix, and nothing is
// created: no loop device, mount, backing file, ledger entry or audit line. Real host checks.

let s: TestState; // the state dir the refused specs would have used
let fx: TestState; // fixtures: a formatted loop device, a mounted one, another run's device
const f = {} as {
  ext4: string;
  mounted: string;
  otherRun: string;
  fakeNode: string;
  link: string;
  disk?: string;
};
const cleanups: (() => Promise<void>)[] = [];

/** A whole disk on this host (not a partition, loop, dm, md, zram or ram device), if any. */
function wholeDisk(): string | undefined {
  return readdirSync('/sys/block')
    .filter((n) => !/^(loop|ram|zram|dm-|md|nbd|sr)/.test(n) && existsSync(`/dev/${n}`))
    .map((n) => `/dev/${n}`)[0];
}

/** A block major no driver owns, so opening a node with it fails (ENXIO). */
async function unusedMajor(): Promise<number> {
  const text = await readFile('/proc/devices', 'utf8');
  const used = new Set(
    text
      .split('Block devices:')[1]!
      .split('\n')
      .map((l) => Number(l.trim().split(/\s+/)[0])),
  );
  return [240, 241, 242, 243, 244, 245, 246, 247, 248].find((m) => !used.has(m))!;
}

beforeAll(async () => {
  s = await testState();
  fx = await testState();
  const a = await foreignLoop(fx.stateDir);
  cleanups.push(a.detach);
  await runOk(['mkfs.ext4', '-q', '-F', a.device]);
  f.ext4 = a.device;
  await mkdir(join(fx.stateDir, 'b'));
  const b = await foreignLoop(join(fx.stateDir, 'b'));
  await runOk(['mkfs.ext4', '-q', '-F', b.device]);
  await mkdir(join(fx.stateDir, 'mnt'));
  await runOk(['mount', b.device, join(fx.stateDir, 'mnt')]);
  cleanups.push(async () => void (await run(['umount', join(fx.stateDir, 'mnt')])), b.detach);
  cleanups.reverse();
  f.mounted = b.device;
  const plan = await planOnHost(fx.deps, { devices: [{ name: 't', size: '8M', envVar: 'TEST_DEV' }] });
  f.otherRun = (await setupDevices(fx.deps, { runKey: 'other-run', plan })).devices[0]!.hostPath;
  f.fakeNode = join(fx.stateDir, 'fake-blk');
  await runOk(['mknod', f.fakeNode, 'b', String(await unusedMajor()), '0']);
  f.link = join(fx.stateDir, 'link-to-ext4');
  await symlink(f.ext4, f.link);
  f.disk = wholeDisk();
});

afterAll(async () => {
  for (const c of cleanups) await c();
  await fx?.cleanup();
  await s?.cleanup();
});

const T = { envVar: 'TEST_DEV' } as const;
const t = (extra: object = {}) => ({ name: 't', size: '1G', ...T, ...extra });
const cases: [string, () => unknown, RegExp][] = [
  ['both size and path', () => ({ devices: [{ ...t(), path: f.ext4 }] }), /devices\.0\.path: give either size or path, not both/],
  ['neither size nor path', () => ({ devices: [{ name: 't', ...T }] }), /devices\.0: give either size .* or path/],
  ['zero size', () => ({ devices: [t({ size: '0G' })] }), /devices\.0\.size: give a whole number/],
  ['negative size', () => ({ devices: [t({ size: '-1G' })] }), /devices\.0\.size: give a whole number/],
  ['1e30 as a number', () => ({ devices: [t({ size: 1e30 })] }), /devices\.0\.size: give the size as a string/],
  ['1e30 as a string', () => ({ devices: [t({ size: '1e30' })] }), /devices\.0\.size: give a whole number/],
  ['over 100G', () => ({ devices: [t({ size: '101G' })] }), /devices\.0\.size: must be at most 100G/],
  ['terabytes', () => ({ devices: [t({ size: '1T' })] }), /devices\.0\.size: give a whole number followed by K, M or G/],
  ['fractional size', () => ({ devices: [t({ size: '1.5G' })] }), /devices\.0\.size: give a whole number/],
  ['size without unit', () => ({ devices: [t({ size: '512' })] }), /devices\.0\.size: give a whole number/],
  ['below 1M', () => ({ devices: [t({ size: '512K' })] }), /devices\.0\.size: must be at least 1M/],
  ['shell metacharacters in name', () => ({ devices: [t({ name: 'a;rm -rf /' })] }), /devices\.0\.name: use 1-64/],
  ['command substitution in name', () => ({ devices: [t({ name: '$(reboot)' })] }), /devices\.0\.name: use 1-64/],
  ['.. in name', () => ({ devices: [t({ name: '..' })] }), /devices\.0\.name: must not contain "\.\."/],
  ['path in name', () => ({ devices: [t({ name: '../../etc/x' })] }), /devices\.0\.name: use 1-64/],
  ['empty name', () => ({ devices: [t({ name: '' })] }), /devices\.0\.name: use 1-64/],
  ['65-character name', () => ({ devices: [t({ name: 'x'.repeat(65) })] }), /devices\.0\.name: use 1-64/],
  ['duplicate names', () => ({ devices: [t(), { name: 't', size: '1G' }] }), /devices\.1\.name: name "t" is also used by devices\.0/],
  ['duplicate env vars', () => ({ devices: [t(), t({ name: 'u' })] }), /devices\.1\.envVar: envVar "TEST_DEV" is also used/],
  ['duplicate orders', () => ({ devices: [t({ order: 1 }), { name: 'u', size: '1G', order: 1 }] }), /devices\.1\.order: order 1 is also used/],
  ['negative order', () => ({ devices: [t({ order: -1 })] }), /devices\.0\.order:/],
  ['PATH as env var', () => ({ devices: [t({ envVar: 'PATH' })] }), /devices\.0\.envVar: PATH changes how the guest runs/],
  ['LD_PRELOAD as env var', () => ({ devices: [t(), { name: 'u', size: '1G', envVar: 'LD_PRELOAD' }] }), /devices\.1\.envVar: LD_PRELOAD changes/],
  ['HOME as env var', () => ({ devices: [t(), { name: 'u', size: '1G', envVar: 'HOME' }] }), /devices\.1\.envVar: HOME changes/],
  ['IFS as env var', () => ({ devices: [t(), { name: 'u', size: '1G', envVar: 'IFS' }] }), /devices\.1\.envVar: IFS changes/],
  ['env var with =', () => ({ devices: [t(), { name: 'u', size: '1G', envVar: 'A=B' }] }), /devices\.1\.envVar: use an upper-case shell identifier/],
  ['env var with $()', () => ({ devices: [t({ envVar: 'X$(id)' })] }), /devices\.0\.envVar: use an upper-case shell identifier/],
  ['unknown device field (typo)', () => ({ devices: [{ ...t(), sise: '1G' }] }), /devices\.0\.sise: unknown field; did you mean "size"\?/],
  ['unknown top-level field', () => ({ profiel: 'fstests_small' }), /profiel: unknown field; did you mean "profile"\?/],
  ['unknown profile', () => ({ profile: 'fstests_huge' }), /profile: /],
  ['profile and devices', () => ({ profile: 'fstests_small', devices: [t()] }), /profile: give either profile or devices/],
  ['21 devices', () => ({ devices: Array.from({ length: 21 }, (_, i) => ({ name: `d${i}`, size: '1M', ...(i ? {} : T) })) }), /devices: at most 20 devices/],
  ['60G of tmpfs', () => ({ devices: [t({ size: '30G', useTmpfs: true }), { name: 'u', size: '30G', useTmpfs: true }] }), /devices: 60 GiB of tmpfs-backed devices is more than the 50 GiB limit/],
  ['fstests_default on tmpfs', () => ({ profile: 'fstests_default', useTmpfs: true }), /useTmpfs: 70 GiB .* use fstests_small on tmpfs/],
  ['envVarIndex outside the pool', () => ({ devices: [t({ envVarIndex: 0 })] }), /devices\.0\.envVarIndex: only orders devices inside SCRATCH_DEV_POOL/],
  ['duplicate pool index', () => ({ devices: [t(), ...['a', 'b'].map((n) => ({ name: n, size: '1G', envVar: 'SCRATCH_DEV_POOL', envVarIndex: 0 }))] }), /devices\.2\.envVarIndex: envVarIndex 0 is also used/],
  ['read-only TEST_DEV', () => ({ devices: [t({ readonly: true })] }), /devices\.0\.readonly: fstests writes to TEST_DEV/],
  ['no TEST_DEV', () => ({ devices: [{ name: 'u', size: '1G' }] }), /devices: fstests needs a TEST_DEV/],
  ['relative path', () => ({ devices: [t(), { name: 'u', path: 'dev/sdb' }] }), /devices\.1\.path: give an absolute path/],
  ['.. in path', () => ({ devices: [t(), { name: 'u', path: '/dev/../etc/passwd' }] }), /devices\.1\.path: must not contain "\.\." components/],
  ['useTmpfs on a path device', () => ({ devices: [t(), { name: 'u', path: f.ext4, useTmpfs: true }] }), /devices\.1\.useTmpfs: applies to size devices only/],
  ['a path that does not exist', () => ({ devices: [t(), { name: 'u', path: '/dev/fsto-no-such-disk' }] }), /device "u" path: \/dev\/fsto-no-such-disk does not exist/],
  ['shell metacharacters in path', () => ({ devices: [t(), { name: 'u', path: '/dev/sd`reboot`;x' }] }), /device "u" path: .* does not exist/],
  ['a character device', () => ({ devices: [t(), { name: 'u', path: '/dev/null' }] }), /device "u" path: \/dev\/null is a character device, not a block device/],
  ['a regular file', () => ({ devices: [t(), { name: 'u', path: '/etc/passwd' }] }), /device "u" path: \/etc\/passwd is a regular file/],
  ['a directory', () => ({ devices: [t(), { name: 'u', path: '/dev' }] }), /device "u" path: \/dev is a directory/],
  ['a mounted device', () => ({ devices: [t(), { name: 'u', path: f.mounted }] }), /device "u" path: .* is mounted at .*\/mnt \(.*\); unmount it/],
  ['a filesystem when requireEmpty', () => ({ devices: [t(), { name: 'u', path: f.ext4, requireEmpty: true }] }), /device "u" requireEmpty: .* carries a filesystem \(ext4\); wipe it/],
  ['a device we cannot open', () => ({ devices: [t(), { name: 'u', path: f.fakeNode }] }), /device "u" path: .* cannot be opened .*ENXIO/],
  ["another run's loop device", () => ({ devices: [t(), { name: 'u', path: f.otherRun }] }), /device "u" path: .* is a loop device of another fsto run/],
  ['the same device twice (symlink)', () => ({ devices: [t(), { name: 'u', path: f.ext4, readonly: true }, { name: 'v', path: f.link, readonly: true }] }), /device "v" path: .* is the same device as "u"/],
  ['a whole disk, not read-only', () => ({ devices: [t(), { name: 'u', path: f.disk ?? '/dev/vda' }] }), /device "u" path: .* is a whole disk; give a partition .* or set readonly: true/],
]; // prettier-ignore

describe('hostile device specs', () => {
  it('has at least 30 of them', () => expect(cases.length).toBeGreaterThanOrEqual(30));

  it.each(cases)('refuses %s, naming the field and the fix', async (_what, spec, message) => {
    const err = await planOnHost(s.deps, spec()).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(FstoError);
    expect((err as FstoError).type).toBe('InvalidSpec');
    expect((err as Error).message).toMatch(message);
    // The same spec planned without host checks and handed straight to setup is refused too.
    let plan;
    try {
      plan = planDeviceSet(spec());
    } catch {
      return; // refused by the schema: setup could never be given it
    }
    await expect(setupDevices(s.deps, { runKey: 'hostile', plan })).rejects.toThrow(message);
  });

  it('left no trace: no loop device, mount, file, ledger or audit line; fixtures untouched', async () => {
    expect(await loopsUnder(s.stateDir)).toEqual(new Map());
    expect(await mountsUnder(s.stateDir)).toEqual([]);
    expect(await readdir(s.stateDir)).toEqual([]);
    expect(await mountsUnder(fx.stateDir)).toEqual([join(fx.stateDir, 'mnt')]);
    expect((await loopsUnder(fx.stateDir)).size).toBe(3);
  });
});
