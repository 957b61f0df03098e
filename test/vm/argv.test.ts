import { describe, expect, it } from 'vitest';
import { VmSpec } from '../../common/schemas/vm';
import type { ResolvedVm, VmPaths } from '../../activities/vm/backend';
import { buildQemuArgv } from '../../activities/vm/backends/qemu';
import { buildVngArgv } from '../../activities/vm/backends/vng';
import { probeArgv } from '../../activities/vm/kvm-probe';
import { cpioNewc } from '../../activities/vm/cpio';
import { loadOrder, parseModulesDep } from '../../activities/vm/modules';

const vm = (over: Partial<ResolvedVm> = {}, spec: object = {}): ResolvedVm => ({
  vmId: 'abcd1234',
  spec: VmSpec.parse({
    disks: [{ path: '/t/a.img' }, { path: '/t/b.img', serial: 'scratch', readonly: true }],
    shares: [{ hostPath: '/res', tag: 'results', readonly: false, mountPoint: '/tmp/results' }],
    ...spec,
  }),
  kernel: '/boot/vmlinuz-6.1.0-56-amd64',
  kernelRelease: '6.1.0-56-amd64',
  modulesDir: '/lib/modules/6.1.0-56-amd64',
  accel: 'tcg',
  ...over,
});
const paths: VmPaths = {
  controlSocket: '/s/vm.sock',
  agentPath: '/repo/guest/agent.py',
  initramfs: '/c/i.cpio',
  guestRoot: { dir: '/c/guest-root-0123', shared: ['usr', 'lib64'] },
};

const devices = [
  '-drive',
  'file=/t/a.img,format=raw,if=none,id=fsto-d0',
  '-device',
  'virtio-blk-pci,drive=fsto-d0,serial=fsto-d0',
  '-drive',
  'file=/t/b.img,format=raw,if=none,id=fsto-d1,readonly=on',
  '-device',
  'virtio-blk-pci,drive=fsto-d1,serial=scratch',
  '-fsdev',
  'local,id=fsto-s0,path=/res,security_model=none,multidevs=remap',
  '-device',
  'virtio-9p-pci,fsdev=fsto-s0,mount_tag=results',
  '-chardev',
  'socket,id=fsto-ctl,path=/s/vm.sock',
  '-device',
  'virtio-serial-pci,id=fsto-vser',
  '-device',
  'virtserialport,bus=fsto-vser.0,chardev=fsto-ctl,name=fsto.ctl',
];
const cmdline =
  'fsto.guest=1 loglevel=5 tsc=reliable watchdog_thresh=60 rcupdate.rcu_cpu_stall_timeout=300 no_timer_check fsto.share=results:/tmp/results:rw';

describe('qemu argv', () => {
  it('direct kernel boot, guest root + host system dirs over 9p, disks in order, control port', () => {
    expect(buildQemuArgv(vm(), paths)).toEqual([
      '/usr/bin/qemu-system-x86_64',
      '-name',
      'fsto-abcd1234',
      '-machine',
      'q35',
      '-accel',
      'tcg',
      '-cpu',
      'max',
      '-smp',
      '2',
      '-m',
      '2048M',
      '-nodefaults',
      '-no-user-config',
      '-display',
      'none',
      '-no-reboot',
      '-chardev',
      'stdio,id=fsto-con,signal=off',
      '-serial',
      'chardev:fsto-con',
      '-kernel',
      '/boot/vmlinuz-6.1.0-56-amd64',
      '-initrd',
      '/c/i.cpio',
      '-append',
      `console=ttyS0 panic=-1 rdinit=/init fsto.sys=usr,lib64 ${cmdline}`,
      // The guest's own root (never the host's /), and the host's system dirs read-only on it.
      '-fsdev',
      'local,id=fsto-root,path=/c/guest-root-0123,security_model=none,readonly=on,multidevs=remap',
      '-device',
      'virtio-9p-pci,fsdev=fsto-root,mount_tag=fsto.root',
      '-fsdev',
      'local,id=fsto-sys-usr,path=/usr,security_model=none,readonly=on,multidevs=remap',
      '-device',
      'virtio-9p-pci,fsdev=fsto-sys-usr,mount_tag=fsto.sys.usr',
      '-fsdev',
      'local,id=fsto-sys-lib64,path=/lib64,security_model=none,readonly=on,multidevs=remap',
      '-device',
      'virtio-9p-pci,fsdev=fsto-sys-lib64,mount_tag=fsto.sys.lib64',
      ...devices,
    ]);
  });

  it('kvm: host CPU, no TCG relaxations; a rootfs image goes after the run disks', () => {
    const argv = buildQemuArgv(vm({ accel: 'kvm' }, { rootfs: '/img/root.ext4' }), paths);
    expect(argv.slice(5, 9)).toEqual(['-accel', 'kvm', '-cpu', 'host']);
    expect(argv[argv.indexOf('-append') + 1]).toBe(
      'console=ttyS0 panic=-1 rdinit=/init fsto.root=disk fsto.guest=1 loglevel=5 fsto.share=results:/tmp/results:rw',
    );
    expect(argv.slice(-4)).toEqual([
      '-drive',
      'file=/img/root.ext4,format=raw,if=none,id=fsto-rootfs,snapshot=on',
      '-device',
      'virtio-blk-pci,drive=fsto-rootfs,serial=fsto-root',
    ]);
    expect(argv).not.toContain('mount_tag=fsto.root');
  });

  it("boots the unpacked kernel image when prepare made one, the spec's kernel otherwise", () => {
    const kernelArg = (p: typeof paths) => {
      const argv = buildQemuArgv(vm(), p);
      return argv[argv.indexOf('-kernel') + 1];
    };
    expect(kernelArg({ ...paths, kernelImage: '/state/cache/vmlinux-1.elf' })).toBe(
      '/state/cache/vmlinux-1.elf',
    );
    expect(kernelArg(paths)).toBe(vm().kernel);
  });

  it('refuses to build an argv without a guest root (it would have to share the host /)', () => {
    expect(() => buildQemuArgv(vm(), { ...paths, guestRoot: undefined })).toThrow(/guest root/);
    expect(buildQemuArgv(vm(), paths).join(' ')).not.toMatch(/path=\/,/);
  });

  it('a modules dir of its own is shared as fsto.mods', () => {
    const argv = buildQemuArgv(vm({ modulesDir: '/k/mods' }), paths);
    expect(argv[argv.indexOf('-append') + 1]).toContain(' fsto.mods=1 ');
    expect(argv).toContain('local,id=fsto-mods,path=/k/mods,security_model=none,readonly=on');
  });
});

describe('vng argv', () => {
  it('verbose (console on stderr), 2 GiB, TCG, agent as --exec, devices as raw QEMU options', () => {
    expect(buildVngArgv(vm(), paths, '/v/bin/vng')).toEqual([
      '/v/bin/vng',
      '--run',
      '/boot/vmlinuz-6.1.0-56-amd64',
      '--name',
      'fsto-guest',
      '--verbose',
      '--cpus',
      '2',
      '--memory',
      '2048M',
      '--disable-kvm',
      '--exec',
      '/usr/bin/python3 -S -E -u /repo/guest/agent.py',
      ...cmdline.split(' ').map((w) => `--append=${w}`),
      ...devices.map((w) => `--qemu-opts=${w}`),
    ]);
  });

  it('kvm: no --disable-kvm', () => {
    expect(buildVngArgv(vm({ accel: 'kvm' }), paths, 'vng')).not.toContain('--disable-kvm');
  });
});

describe('share modes', () => {
  it('an overlay share: read-only for QEMU, mode "overlay" on the command line, on both backends', () => {
    const spec = {
      shares: [
        { hostPath: '/src/fstests', tag: 'fstests', overlay: true, mountPoint: '/tmp/fsto/fstests' },
        { hostPath: '/ro', tag: 'ro', mountPoint: '/tmp/ro' },
        { hostPath: '/res', tag: 'results', readonly: false, mountPoint: '/tmp/results' },
      ],
    };
    const words = [
      'fsto.share=fstests:/tmp/fsto/fstests:overlay',
      'fsto.share=ro:/tmp/ro:ro',
      'fsto.share=results:/tmp/results:rw',
    ];
    const qemu = buildQemuArgv(vm({}, spec), paths);
    expect(qemu[qemu.indexOf('-append') + 1]!.split(' ')).toEqual(expect.arrayContaining(words));
    expect(qemu).toContain(
      'local,id=fsto-s0,path=/src/fstests,security_model=none,multidevs=remap,readonly=on',
    );
    const vng = buildVngArgv(vm({}, spec), paths, 'vng');
    expect(vng).toEqual(expect.arrayContaining(words.map((w) => `--append=${w}`)));
    expect(vng).toContain(
      '--qemu-opts=local,id=fsto-s0,path=/src/fstests,security_model=none,multidevs=remap,readonly=on',
    );
  });

  it.each([
    [{ hostPath: '/a', tag: 'a', overlay: true, readonly: false, mountPoint: '/tmp/a' }],
    [{ hostPath: '/a', tag: 'a', overlay: true }],
  ])('refuses an overlay share that is writable on the host or has no mount point: %j', (share) => {
    const res = VmSpec.safeParse({ shares: [share] });
    expect(JSON.stringify(res.error?.issues)).toContain(
      'an overlay share is read-only on the host and needs a mountPoint',
    );
  });
});

describe('kvm probe argv', () => {
  it('boots with KVM and the host CPU, like a real KVM guest', () => {
    const argv = probeArgv('/boot/k', '/c/p.cpio');
    expect(argv.slice(1, 7)).toEqual(['-machine', 'q35', '-accel', 'kvm', '-cpu', 'host']);
    expect(argv.at(-1)).toContain('fsto.guest=1');
  });
});

describe('VmSpec', () => {
  it('defaults: qemu, 2 CPUs, 2 GiB, accel auto', () => {
    expect(VmSpec.parse({})).toMatchObject({
      backend: 'qemu',
      cpus: 2,
      memoryMiB: 2048,
      accel: 'auto',
      disks: [],
    });
  });
  it.each([
    [{ disks: [{ path: 'rel.img' }] }, 'absolute path to the disk'],
    [{ disks: [{ path: '/a,b.img' }] }, 'without spaces, commas'],
    [
      {
        shares: [
          { hostPath: '/a', tag: 'x' },
          { hostPath: '/b', tag: 'x' },
        ],
      },
      'share tags must be unique',
    ],
    [{ shares: [{ hostPath: '/a', tag: 'x'.repeat(37) }] }, '1-36 characters'],
    [{ accel: 'hvf' }, 'accel'],
    [{ backend: 'vng', rootfs: '/r.img' }, 'rootfs is only supported by the qemu backend'],
    [{ cmdline: ['a b'] }, 'one kernel parameter per item'],
  ])('refuses %j', (input, message) => {
    const res = VmSpec.safeParse(input);
    expect(res.success).toBe(false);
    expect(JSON.stringify(res.error?.issues)).toContain(message);
  });
});

describe('initramfs parts', () => {
  it('writes newc records with 4-byte alignment and a trailer', () => {
    const a = cpioNewc([{ name: 'init', type: 'file', mode: 0o755, data: Buffer.from('abc') }]);
    const s = a.toString('latin1');
    expect(s.startsWith('070701')).toBe(true);
    expect(s.slice(6 + 8, 6 + 16)).toBe((0o100755).toString(16).padStart(8, '0'));
    expect(s).toContain('init\0');
    expect(s).toContain('TRAILER!!!\0');
    expect(a.length % 4).toBe(0);
  });

  it('orders modules after their dependencies', () => {
    const dep = parseModulesDep(
      [
        'kernel/fs/9p/9p.ko: kernel/net/9p/9pnet.ko kernel/fs/fscache/fscache.ko kernel/fs/netfs/netfs.ko',
        'kernel/net/9p/9pnet.ko:',
        'kernel/fs/fscache/fscache.ko: kernel/fs/netfs/netfs.ko',
        'kernel/fs/netfs/netfs.ko:',
        'kernel/net/9p/9pnet_virtio.ko: kernel/net/9p/9pnet.ko',
      ].join('\n'),
    );
    expect(loadOrder(dep, ['9pnet_virtio', '9p', 'not_a_module'])).toEqual([
      'kernel/net/9p/9pnet.ko',
      'kernel/net/9p/9pnet_virtio.ko',
      'kernel/fs/netfs/netfs.ko',
      'kernel/fs/fscache/fscache.ko',
      'kernel/fs/9p/9p.ko',
    ]);
  });
});
