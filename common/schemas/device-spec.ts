import { z } from 'zod';
import { Name } from './names';

// One device a run attaches to its VM (docs/architecture.md, "Devices"): either a size (a sparse backing
// file, optionally on the run's tmpfs, attached as a loop device) or the path of an existing
// block device. Unknown fields are refused: a typo must never pass silently.

export const KiB = 1024;
export const MiB = 1024 * KiB;
export const GiB = 1024 * MiB;

export const DEVICE_LIMITS = {
  maxDevices: 20,
  minDeviceBytes: 1 * MiB,
  maxDeviceBytes: 100 * GiB,
  maxTmpfsBytes: 50 * GiB,
} as const;

const SIZE_RE = /^([1-9][0-9]{0,8})([KMG])$/;
const UNIT: Record<string, number> = { K: KiB, M: MiB, G: GiB };

/** Bytes of a size string such as `10G`, `512M`, `1024K`; undefined when malformed. */
export function parseSize(size: string): number | undefined {
  const m = SIZE_RE.exec(size);
  return m ? Number(m[1]) * UNIT[m[2]!]! : undefined;
}

/** `10 GiB`, `512 MiB`: how sizes appear in messages. */
export function formatBytes(bytes: number): string {
  for (const [unit, n] of [
    ['GiB', GiB],
    ['MiB', MiB],
    ['KiB', KiB],
  ] as const) {
    if (bytes >= n) return `${Number((bytes / n).toFixed(1))} ${unit}`;
  }
  return `${bytes} B`;
}

export const Size = z
  .string({ error: 'give the size as a string such as "10G", "512M" or "1024K"' })
  .regex(SIZE_RE, {
    error: 'give a whole number followed by K, M or G (binary units), such as "10G", "512M" or "1024K"',
    abort: true,
  })
  .refine((s) => (parseSize(s) ?? 0) >= DEVICE_LIMITS.minDeviceBytes, 'must be at least 1M')
  .refine(
    (s) => (parseSize(s) ?? 0) <= DEVICE_LIMITS.maxDeviceBytes,
    'must be at most 100G per device; use a smaller size',
  );

/** Variables that change how the guest (its shell, loader, fstests itself) runs: never ours to set. */
const RESERVED_VARS = new Set([
  'PATH', 'HOME', 'IFS', 'SHELL', 'ENV', 'BASH_ENV', 'CDPATH', 'GLOBIGNORE', 'SHELLOPTS', 'BASHOPTS',
  'PS1', 'PS2', 'PS4', 'PROMPT_COMMAND', 'PWD', 'OLDPWD', 'USER', 'LOGNAME', 'TERM', 'TMPDIR', 'TZ',
  'LANG', 'LANGUAGE', 'HOSTNAME', 'MAIL', 'PYTHONPATH', 'PYTHONHOME', 'PYTHONSTARTUP', 'NODE_OPTIONS',
  'NODE_PATH', 'PERL5LIB', 'PERL5OPT', 'PERLLIB', 'RUBYOPT', 'GCONV_PATH', 'POSIXLY_CORRECT',
  // fstests settings that are not devices: a device path there would break the run.
  'FSTYP', 'TEST_DIR', 'SCRATCH_MNT', 'RESULT_BASE', 'HOST_OPTIONS', 'MKFS_OPTIONS', 'MOUNT_OPTIONS',
  'TEST_FS_MOUNT_OPTS', 'FSCK_OPTIONS', 'SECTION', 'HOST', 'EMAIL',
]); // prettier-ignore
const RESERVED_PREFIXES = ['LD_', 'LC_', 'BASH_FUNC', 'DYLD_', 'MALLOC_'];

export const EnvVarName = z
  .string()
  .regex(/^[A-Z_][A-Z0-9_]{0,63}$/, 'use an upper-case shell identifier (A-Z, 0-9, _), such as TEST_DEV')
  .superRefine((v, ctx) => {
    if (RESERVED_VARS.has(v) || RESERVED_PREFIXES.some((p) => v.startsWith(p))) {
      ctx.addIssue({
        code: 'custom',
        message: `${v} changes how the guest runs; use a device variable such as TEST_DEV or SCRATCH_DEV`,
      });
    }
  });

/** The variables fstests reads its devices from. */
export const FSTESTS_DEVICE_VARS = ['TEST_DEV', 'SCRATCH_DEV', 'SCRATCH_DEV_POOL', 'LOGWRITES_DEV'] as const;
export const POOL_VAR = 'SCRATCH_DEV_POOL';

export const DevicePath = z
  .string()
  .regex(/^\/[^\0\n\r]{0,4095}$/, 'give an absolute path to a block device, such as /dev/sdb1')
  .refine(
    (p) => !p.split('/').includes('..'),
    'must not contain ".." components; give the plain device path',
  );

export const DeviceSpec = z
  .strictObject({
    /** Per-run name: file names, serials and messages. Default `dev<index>`. */
    name: Name.optional(),
    size: Size.optional(),
    path: DevicePath.optional(),
    /** Guest order (/dev/vda is the lowest); default: the position in the list. */
    order: z.number().int().min(0).max(999).optional(),
    envVar: EnvVarName.optional(),
    /** Position inside SCRATCH_DEV_POOL (only there); default: guest order. */
    envVarIndex: z
      .number()
      .int()
      .min(0)
      .max(DEVICE_LIMITS.maxDevices - 1)
      .optional(),
    readonly: z.boolean().default(false),
    /** Refuse an existing device that carries a filesystem or partition table. */
    requireEmpty: z.boolean().default(false),
    /** Put the backing file on the run's tmpfs; default: the device set's useTmpfs. */
    useTmpfs: z.boolean().optional(),
  })
  .superRefine((d, ctx) => {
    if (d.size === undefined && d.path === undefined) {
      ctx.addIssue({
        code: 'custom',
        message: 'give either size (a new loop device) or path (an existing block device)',
      });
    } else if (d.size !== undefined && d.path !== undefined) {
      ctx.addIssue({ code: 'custom', path: ['path'], message: 'give either size or path, not both' });
    }
    if (d.path !== undefined && d.useTmpfs) {
      ctx.addIssue({
        code: 'custom',
        path: ['useTmpfs'],
        message: 'applies to size devices only; remove it',
      });
    }
  });
export type DeviceSpecInput = z.input<typeof DeviceSpec>;
export type DeviceSpec = z.output<typeof DeviceSpec>;

export const DeviceProfileName = z.enum(['fstests_default', 'fstests_small', 'fstests_large']);
export type DeviceProfileName = z.infer<typeof DeviceProfileName>;

const PROFILE_SIZE: Record<DeviceProfileName, string> = {
  fstests_default: '10G',
  fstests_small: '5G',
  fstests_large: '50G',
};

/**
 * Seven devices: TEST_DEV, SCRATCH_DEV, four more for SCRATCH_DEV_POOL, LOGWRITES_DEV. The planner
 * folds SCRATCH_DEV into the head of the pool, as fstests requires (see plan.ts).
 */
export function profileDevices(name: DeviceProfileName): DeviceSpecInput[] {
  const size = PROFILE_SIZE[name];
  return [
    { name: 'test', size, envVar: 'TEST_DEV' },
    { name: 'scratch', size, envVar: 'SCRATCH_DEV' },
    ...[1, 2, 3, 4].map((i) => ({ name: `pool${i}`, size, envVar: POOL_VAR })),
    { name: 'logwrites', size, envVar: 'LOGWRITES_DEV' },
  ];
}
