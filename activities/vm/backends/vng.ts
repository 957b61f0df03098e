import { dirname } from 'node:path';
import { FstoError, INVALID_SPEC } from '../../../common/errors';
import {
  agentCommand,
  commonCmdline,
  deviceArgs,
  type ResolvedVm,
  type VmBackend,
  type VmPaths,
} from '../backend';

// virtme-ng: it boots the host root (9p, tmpfs overlays) with its own init, which runs our agent
// as the --exec command. Disks, shares and the control port go in as raw QEMU options so that
// disks get format=raw and a serial (vng's --disk lets QEMU guess the format).

/** Pure: the vng argv. Every --qemu-opts value travels through vng's shell unquoted: the
 * schema admits only shell-safe paths, and each QEMU word is passed as its own option. */
export function buildVngArgv(vm: ResolvedVm, paths: VmPaths, vngBin: string): string[] {
  const { spec } = vm;
  return [
    vngBin,
    '--run',
    vm.kernel,
    '--name',
    'fsto-guest',
    // The console goes to vng's stderr only in verbose mode (otherwise /dev/null): we need it.
    '--verbose',
    '--cpus',
    String(spec.cpus),
    '--memory',
    `${spec.memoryMiB}M`,
    ...(vm.accel === 'tcg' ? ['--disable-kvm'] : []),
    '--exec',
    agentCommand(paths.agentPath).join(' '),
    ...commonCmdline(vm).map((w) => `--append=${w}`),
    ...deviceArgs(vm, paths).map((w) => `--qemu-opts=${w}`),
  ];
}

export function vngBackend(vngBin: string): VmBackend {
  return {
    name: 'vng',
    async prepare(vm) {
      if (vm.modulesDir !== `/lib/modules/${vm.kernelRelease}`) {
        throw new FstoError(
          'modulesDir: the vng backend uses the host\'s /lib/modules/<release>; use backend "qemu" for another modules dir',
          INVALID_SPEC,
        );
      }
      return {};
    },
    buildArgv: (vm, paths) => ({
      argv: buildVngArgv(vm, paths, vngBin),
      // vng runs `virtme-run` from PATH; its --rwdir checks are relative to the cwd (run from /).
      env: { PATH: `${dirname(vngBin)}:/usr/sbin:/usr/bin:/sbin:/bin` },
    }),
  };
}
