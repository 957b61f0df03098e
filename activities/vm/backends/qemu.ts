import { ApplicationFailure } from '@temporalio/common';
import { INVALID_SPEC } from '../../../common/errors';
import { commonCmdline, deviceArgs, type ResolvedVm, type VmBackend, type VmPaths } from '../backend';
import { guestInitramfs } from '../initramfs';

// QEMU with direct kernel boot: our initramfs mounts the host root read-only over 9p (tmpfs
// overlays where programs write) or a user-supplied rootfs image, then starts the agent.

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
    ...(spec.rootfs ? ['fsto.root=disk'] : []),
    ...(ownMods ? ['fsto.mods=1'] : []),
    ...commonCmdline(vm),
  ];
  const root = spec.rootfs
    ? []
    : [
        '-fsdev',
        'local,id=fsto-root,path=/,security_model=none,readonly=on,multidevs=remap',
        '-device',
        'virtio-9p-pci,fsdev=fsto-root,mount_tag=fsto.root',
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
    vm.kernel,
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
      throw ApplicationFailure.nonRetryable(
        'modulesDir: with a rootfs image the modules must be inside the image; drop modulesDir',
        INVALID_SPEC,
      );
    }
    return { initramfs: await guestInitramfs(ctx.cacheDir, vm.modulesDir, Boolean(vm.spec.rootfs)) };
  },
  buildArgv: (vm, paths) => ({ argv: buildQemuArgv(vm, paths) }),
};
