import { FstoError, INVALID_SPEC } from '../../../common/errors';
import { commonCmdline, deviceArgs, type ResolvedVm, type VmBackend, type VmPaths } from '../backend';
import { guestRoot } from '../guest-root';
import { guestInitramfs } from '../initramfs';
import { pvhKernel } from '../pvh';

// QEMU with direct kernel boot: our initramfs mounts the guest root (activities/vm/guest-root.ts:
// the host's system dirs read-only, a generated /etc; tmpfs overlays where programs write) or a
// user-supplied rootfs image, then starts the agent.

export const QEMU_BIN = '/usr/bin/qemu-system-x86_64';

/** Pure: the QEMU argv. The console is QEMU's stdout (the supervisor files and scans it). */
export function buildQemuArgv(vm: ResolvedVm, paths: VmPaths): string[] {
  if (!paths.initramfs) throw new Error('qemu backend: prepare() must build the initramfs first');
  const { spec } = vm;
  const defaultMods = `/lib/modules/${vm.kernelRelease}`;
  const ownMods = vm.modulesDir !== defaultMods && !spec.rootfs;
  const cmdline = [
    'console=ttyS0',
    'panic=-1',
    'rdinit=/init',
    ...(spec.rootfs ? ['fsto.root=disk'] : [`fsto.sys=${paths.guestRoot?.shared.join(',') ?? ''}`]),
    ...(ownMods ? ['fsto.mods=1'] : []),
    ...commonCmdline(vm),
  ];
  const guestRoot = paths.guestRoot;
  if (!spec.rootfs && !guestRoot) throw new Error('qemu backend: prepare() must build the guest root first');
  // The guest's root is the skeleton (generated /etc, empty /var, /root, /home), and each host
  // system dir that is a real directory (/usr; /bin, /lib… where /usr is not merged) its own
  // read-only share that the init mounts on it: never the host's /.
  const sys = spec.rootfs ? [] : guestRoot!.shared;
  const root = spec.rootfs
    ? []
    : [
        '-fsdev',
        `local,id=fsto-root,path=${guestRoot!.dir},security_model=none,readonly=on,multidevs=remap`,
        '-device',
        'virtio-9p-pci,fsdev=fsto-root,mount_tag=fsto.root',
        ...sys.flatMap((d) => [
          '-fsdev',
          `local,id=fsto-sys-${d},path=/${d},security_model=none,readonly=on,multidevs=remap`,
          '-device',
          `virtio-9p-pci,fsdev=fsto-sys-${d},mount_tag=fsto.sys.${d}`,
        ]),
      ];
  const mods = ownMods
    ? [
        '-fsdev',
        `local,id=fsto-mods,path=${vm.modulesDir},security_model=none,readonly=on`,
        '-device',
        'virtio-9p-pci,fsdev=fsto-mods,mount_tag=fsto.mods',
      ]
    : [];
  // After the run's disks, so those stay vda, vdb, …; snapshot=on keeps the image unchanged.
  const rootfs = spec.rootfs
    ? [
        '-drive',
        `file=${spec.rootfs},format=raw,if=none,id=fsto-rootfs,snapshot=on`,
        '-device',
        'virtio-blk-pci,drive=fsto-rootfs,serial=fsto-root',
      ]
    : [];
  return [
    QEMU_BIN,
    '-name',
    `fsto-${vm.vmId}`,
    '-machine',
    'q35',
    '-accel',
    vm.accel,
    '-cpu',
    vm.accel === 'kvm' ? 'host' : 'max',
    '-smp',
    String(spec.cpus),
    '-m',
    `${spec.memoryMiB}M`,
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
    paths.kernelImage ?? vm.kernel,
    '-initrd',
    paths.initramfs,
    '-append',
    cmdline.join(' '),
    ...root,
    ...mods,
    ...deviceArgs(vm, paths),
    ...rootfs,
  ];
}

export const qemuBackend: VmBackend = {
  name: 'qemu',
  async prepare(vm, ctx) {
    if (vm.spec.rootfs && vm.modulesDir !== `/lib/modules/${vm.kernelRelease}`) {
      throw new FstoError(
        'modulesDir: with a rootfs image the modules must be inside the image; drop modulesDir',
        INVALID_SPEC,
      );
    }
    // Under TCG the bzImage's decompressor is most of the boot: boot the unpacked kernel instead.
    const kernelImage = vm.accel === 'tcg' ? await pvhKernel(ctx.cacheDir, vm.kernel) : undefined;
    return {
      ...(kernelImage ? { kernelImage } : {}),
      initramfs: await guestInitramfs(ctx.cacheDir, vm.modulesDir, Boolean(vm.spec.rootfs)),
      ...(vm.spec.rootfs ? {} : { guestRoot: await guestRoot(ctx.cacheDir) }),
    };
  },
  buildArgv: (vm, paths) => ({ argv: buildQemuArgv(vm, paths) }),
};
