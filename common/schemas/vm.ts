import { z } from 'zod';

// What a VM is made of. Workflow-safe: defaults that need the host (the newest /boot/vmlinuz-*,
// /lib/modules/<release>) are resolved by activities/vm, not here.

/**
 * Host paths end up inside QEMU options (where a comma separates options) and inside
 * virtme-ng's own shell command line (unquoted): allow only characters safe in both.
 */
const HostPath = (what: string) =>
  z
    .string()
    .regex(
      /^\/[A-Za-z0-9._/+-]*$/,
      `give an absolute path to ${what} without spaces, commas or shell characters (QEMU options and virtme-ng's shell cannot carry them)`,
    );

export const VmBackendName = z.enum(['vng', 'qemu']);
export type VmBackendName = z.infer<typeof VmBackendName>;

export const VmAccel = z.enum(['auto', 'kvm', 'tcg']);
export type VmAccel = z.infer<typeof VmAccel>;

/** A disk from the device plan; disks appear in the guest in order as /dev/vda, /dev/vdb, … */
export const VmDisk = z.strictObject({
  path: HostPath('the disk (a block device or an image file)'),
  /** virtio-blk serial (≤ 20 bytes), readable in the guest at /sys/block/vdX/serial. */
  serial: z
    .string()
    .regex(/^[A-Za-z0-9._-]{1,20}$/, 'a serial is 1-20 characters from A-Z a-z 0-9 . _ -')
    .optional(),
  readonly: z.boolean().default(false),
});
export type VmDisk = z.output<typeof VmDisk>;

/** A host directory exported over 9p. Mounting it is a separate step only our guest side performs. */
export const VmShare = z
  .strictObject({
    hostPath: HostPath('the shared directory'),
    tag: z
      .string()
      .regex(/^[A-Za-z0-9._-]{1,36}$/, 'a share tag is 1-36 characters from A-Z a-z 0-9 . _ -')
      .refine((t) => !t.startsWith('fsto.'), 'tags starting with "fsto." are reserved'),
    readonly: z.boolean().default(true),
    /**
     * Read-only on the host, writable in the guest: our guest side mounts the share read-only at a
     * hidden dir beside the mount point and an overlayfs (upper on a guest tmpfs) at the mount
     * point; what the guest writes vanishes with the VM. For trees whose programs write into
     * themselves (fstests links NNN.out files in tests/<fs>/). Needs a mount point.
     */
    overlay: z.boolean().default(false),
    /** Where the guest mounts it; writable parents only (under /tmp, /mnt, /run, /srv). */
    mountPoint: z
      .string()
      .regex(/^\/[A-Za-z0-9._/-]+$/, 'give an absolute guest path without spaces or commas')
      .optional(),
  })
  .refine((s) => !s.overlay || (s.readonly && s.mountPoint), {
    message: 'an overlay share is read-only on the host and needs a mountPoint',
    path: ['overlay'],
  });
export type VmShare = z.output<typeof VmShare>;

/** Kernel command-line words travel unquoted through virtme-ng's shell: keep them plain. */
const CmdlineWord = z
  .string()
  .regex(
    /^[A-Za-z0-9._,=:/+@-]+$/,
    'one kernel parameter per item, without spaces, quotes or shell characters',
  );

export const VmSpec = z
  .strictObject({
    backend: VmBackendName.default('qemu'),
    /** Kernel image on the host; default: the newest /boot/vmlinuz-*. */
    kernel: HostPath('a kernel image').optional(),
    /** Modules for that kernel; default: /lib/modules/<release of the image>. */
    modulesDir: HostPath('the modules directory').optional(),
    cmdline: z.array(CmdlineWord).default([]),
    cpus: z.number().int().min(1).max(64).default(2),
    /** 2 GiB: with virtme-ng's 1 GiB fstests sees OOM kills (measured; docs/architecture.md). */
    memoryMiB: z.number().int().min(256).max(262144).default(2048),
    accel: VmAccel.default('auto'),
    disks: z.array(VmDisk).max(20).default([]),
    shares: z.array(VmShare).max(16).default([]),
    /** qemu backend only: boot from this root filesystem image instead of the host root. */
    rootfs: HostPath('a root filesystem image').optional(),
    bootTimeoutSec: z.number().int().min(5).max(3600).default(180),
    /**
     * A unix socket (QEMU listens) for an interactive console: /dev/hvc0 in the guest (fsto shell
     * runs a login shell on it and bridges the socket to the user's terminal).
     */
    shellSocket: HostPath('the shell socket').optional(),
  })
  .refine((s) => new Set(s.shares.map((x) => x.tag)).size === s.shares.length, {
    message: 'share tags must be unique',
    path: ['shares'],
  })
  .refine((s) => !(s.rootfs && s.backend !== 'qemu'), {
    message: 'rootfs is only supported by the qemu backend; use backend "qemu" or drop rootfs',
    path: ['rootfs'],
  });
export type VmSpecInput = z.input<typeof VmSpec>;
export type VmSpec = z.output<typeof VmSpec>;

/** How a command in the guest ended. */
export const ExecOutcome = z.enum(['exited', 'crashed', 'hung']);
export type ExecOutcome = z.infer<typeof ExecOutcome>;

export const CrashReport = z.object({ signature: z.string(), excerpt: z.string() });
export type CrashReport = z.infer<typeof CrashReport>;
