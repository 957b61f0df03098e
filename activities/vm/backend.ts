import type { VmBackendName, VmSpec } from '../../common/schemas/vm';

// What every VM backend provides. A backend turns a resolved spec into one argv (pure, unit-
// tested); the supervisor runs it. Room for more: a Firecracker backend would add its name to
// VmBackendName, prepare a rootfs/config in `prepare`, and return `firecracker --config-file …`.

/** virtio-serial port name the agent and the supervisor talk over (docs/architecture.md, Inside the guest). */
export const CONTROL_PORT = 'fsto.ctl';

/** Safety marker the fixture suite checks before it crashes a kernel (never the host's). */
export const GUEST_MARKER = 'fsto.guest=1';

/**
 * Under TCG: ~10 % faster clocksource, watchdogs that do not read slowness as lockups, and no
 * boot-time IO-APIC timer check (a starved emulated timer fails it on a loaded host: "IO-APIC +
 * timer doesn't work!", a boot panic; seen in CI at load 10+).
 */
export const TCG_CMDLINE = [
  'tsc=reliable',
  'watchdog_thresh=60',
  'rcupdate.rcu_cpu_stall_timeout=300',
  'no_timer_check',
];

/** Warnings and stack traces reach the console (level 4), boot chatter (5-7) does not. */
export const CONSOLE_LOGLEVEL = 'loglevel=5';

/** A spec with every host-dependent default filled in. */
export interface ResolvedVm {
  vmId: string;
  spec: VmSpec;
  kernel: string;
  kernelRelease: string;
  modulesDir: string;
  accel: 'kvm' | 'tcg';
}

/** Host files a launch refers to. */
export interface VmPaths {
  /** Unix socket the supervisor listens on; QEMU connects the control port to it. */
  controlSocket: string;
  /** guest/agent.py as the guest sees it (the host root is the guest root). */
  agentPath: string;
  /** Prepared by the backend (qemu: our initramfs). */
  initramfs?: string;
  /** qemu: the guest root's skeleton dir and the host system dirs shared onto it. */
  guestRoot?: { dir: string; shared: string[] };
  /** qemu under TCG: the kernel's unpacked ELF image, booted through its PVH entry (pvh.ts). */
  kernelImage?: string;
}

export interface LaunchPlan {
  argv: string[];
  env?: Record<string, string>;
}

export interface VmBackend {
  name: VmBackendName;
  /** Host-side files the launch needs (cached); may refuse a spec it cannot honour. */
  prepare(vm: ResolvedVm, ctx: { cacheDir: string }): Promise<Partial<VmPaths>>;
  /** Pure: the process to start. */
  buildArgv(vm: ResolvedVm, paths: VmPaths): LaunchPlan;
}

/** Kernel parameters every backend passes: marker, TCG relaxations, shares for our guest side
 * (guest/agent.py mounts each: ro, rw, or overlay = read-only share under a writable overlay). */
export function commonCmdline(vm: ResolvedVm): string[] {
  return [
    GUEST_MARKER,
    CONSOLE_LOGLEVEL,
    ...(vm.accel === 'tcg' ? TCG_CMDLINE : []),
    ...vm.spec.shares
      .filter((s) => s.mountPoint)
      .map((s) => `fsto.share=${s.tag}:${s.mountPoint}:${s.overlay ? 'overlay' : s.readonly ? 'ro' : 'rw'}`),
    ...vm.spec.cmdline,
  ];
}

/** QEMU arguments for the run's disks (in order → vda, vdb, …), shares and control port. */
export function deviceArgs(vm: ResolvedVm, paths: VmPaths): string[] {
  const disks = vm.spec.disks.flatMap((d, i) => [
    '-drive',
    `file=${d.path},format=raw,if=none,id=fsto-d${i}${d.readonly ? ',readonly=on' : ''}`,
    '-device',
    `virtio-blk-pci,drive=fsto-d${i},serial=${d.serial ?? `fsto-d${i}`}`,
  ]);
  const shares = vm.spec.shares.flatMap((s, i) => [
    '-fsdev',
    `local,id=fsto-s${i},path=${s.hostPath},security_model=none,multidevs=remap${s.readonly ? ',readonly=on' : ''}`,
    '-device',
    `virtio-9p-pci,fsdev=fsto-s${i},mount_tag=${s.tag}`,
  ]);
  const control = [
    '-chardev',
    `socket,id=fsto-ctl,path=${paths.controlSocket}`,
    '-device',
    'virtio-serial-pci,id=fsto-vser',
    '-device',
    `virtserialport,bus=fsto-vser.0,chardev=fsto-ctl,name=${CONTROL_PORT}`,
  ];
  // An interactive console on the same virtio-serial bus: /dev/hvc0 in the guest (fsto shell).
  const shell = vm.spec.shellSocket
    ? [
        '-chardev',
        `socket,id=fsto-sh,path=${vm.spec.shellSocket},server=on,wait=off`,
        '-device',
        'virtconsole,bus=fsto-vser.0,chardev=fsto-sh,name=fsto.shell',
      ]
    : [];
  return [...disks, ...shares, ...control, ...shell];
}

/** How the agent is started in the guest: Debian's python, no site, unbuffered. */
export function agentCommand(agentPath: string): string[] {
  return ['/usr/bin/python3', '-S', '-E', '-u', agentPath];
}
