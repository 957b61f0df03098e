import { z } from 'zod';
import { ConfigValue, ConfigVars } from '../schemas/config-vars';
import { DeviceSetSpec } from '../schemas/device-set';
import { DeviceProfileName } from '../schemas/device-spec';
import { RunSpec } from '../schemas/run';
import { GroupName, TestName } from '../schemas/tests';

// A named filesystem configuration, in the spirit of xfstests-bld's test-appliance/files/root/fs/
// <fs>/cfg/<name>: mkfs and mount options, the devices it needs, what it leaves out. Built in
// (library.ts) or the user's own (<config dir>/configs/*.yaml).

/** External devices fstests uses with USE_EXTERNAL=yes, each as TEST_<x> and SCRATCH_<x>. */
export const ExternalDevice = z.enum(['log', 'rt']);
export type ExternalDevice = z.infer<typeof ExternalDevice>;

/** `xfs/4k`: the filesystem, a slash, the config's own name. */
export const ConfigName = z
  .string()
  .regex(/^[a-z0-9]{2,16}\/[A-Za-z0-9._-]{1,48}$/, 'a config is named like xfs/4k (filesystem/name)');

export const NamedConfig = z.strictObject({
  /** FSTYP. */
  fs: RunSpec.shape.fs,
  /** One line: what it tests. */
  description: z.string().max(200).default(''),
  mkfsOptions: ConfigValue.optional(),
  mountOptions: ConfigValue.optional(),
  /** A log device and/or a realtime device, for TEST_DEV and SCRATCH_DEV each. */
  external: z.array(ExternalDevice).default([]),
  /** The size of its devices (xfstests-bld's SIZE=small|large); the run's choice otherwise. */
  profile: DeviceProfileName.optional(),
  /** A whole device layout of its own instead (user configs). */
  devices: DeviceSetSpec.optional(),
  /** More local.config variables (FSX_AVOID, …). */
  vars: ConfigVars.default({}),
  /** Groups and tests it cannot run (xfstests-bld's TEST_SET_EXCLUDE and cfg/<name>.exclude). */
  excludeGroups: z.array(GroupName).default([]),
  excludeTests: z.array(TestName).default([]),
});
export type NamedConfigInput = z.input<typeof NamedConfig>;
export type NamedConfig = z.output<typeof NamedConfig>;
