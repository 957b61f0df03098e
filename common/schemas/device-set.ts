import { z } from 'zod';
import {
  DEVICE_LIMITS,
  DeviceProfileName,
  DeviceSpec,
  FSTESTS_DEVICE_VARS,
  POOL_VAR,
  formatBytes,
  parseSize,
  profileDevices,
} from './device-spec';

// A run's whole device set: a profile, or a list of devices. Rules that span devices live here
// (workflow-safe), so the CLI, the workflow and the host refuse the same things the same way.

/** A device with every default filled in; `index` is its position in the list given. */
export interface ResolvedDevice {
  index: number;
  name: string;
  size?: string;
  sizeBytes?: number;
  path?: string;
  order: number;
  envVar?: string;
  envVarIndex?: number;
  readonly: boolean;
  requireEmpty: boolean;
  useTmpfs: boolean;
}

export const DEFAULT_PROFILE: DeviceProfileName = 'fstests_default';

interface SetShape {
  profile?: DeviceProfileName;
  useTmpfs?: boolean;
  devices?: DeviceSpec[];
}

/** Fill in defaults: the profile (fstests_default when nothing is given), names, orders, tmpfs. */
export function resolveDevices(set: SetShape): ResolvedDevice[] {
  const specs = set.devices ?? profileDevices(set.profile ?? DEFAULT_PROFILE).map((d) => DeviceSpec.parse(d));
  return specs.map((d, index) => ({
    index,
    name: d.name ?? `dev${index}`,
    ...(d.size !== undefined ? { size: d.size, sizeBytes: parseSize(d.size) } : {}),
    ...(d.path !== undefined ? { path: d.path } : {}),
    order: d.order ?? index,
    ...(d.envVar !== undefined ? { envVar: d.envVar } : {}),
    ...(d.envVarIndex !== undefined ? { envVarIndex: d.envVarIndex } : {}),
    readonly: d.readonly,
    requireEmpty: d.requireEmpty,
    useTmpfs: d.size !== undefined && (d.useTmpfs ?? set.useTmpfs ?? false),
  }));
}

export interface Problem {
  path: (string | number)[];
  message: string;
}

/** The rules between devices; each problem names the field to change and how. */
export function deviceSetProblems(set: SetShape): Problem[] {
  const problems: Problem[] = [];
  const fromProfile = set.devices === undefined;
  const devs = resolveDevices(set);
  const at = (d: ResolvedDevice, field: string): (string | number)[] =>
    fromProfile ? ['profile'] : ['devices', d.index, field];
  const unique = (field: string, key: (d: ResolvedDevice) => string | number | undefined, what: string) => {
    const seen = new Map<string | number, ResolvedDevice>();
    for (const d of devs) {
      const k = key(d);
      if (k === undefined) continue;
      const first = seen.get(k);
      if (first) {
        problems.push({
          path: at(d, field),
          message: `${what} ${JSON.stringify(k)} is also used by devices.${first.index}; give each device its own ${what}`,
        });
      } else seen.set(k, d);
    }
  };
  unique('name', (d) => d.name, 'name');
  unique('order', (d) => d.order, 'order');
  unique('path', (d) => d.path, 'path');
  unique('envVar', (d) => (d.envVar === POOL_VAR ? undefined : d.envVar), 'envVar');
  unique('envVarIndex', (d) => d.envVarIndex, 'envVarIndex');

  for (const d of devs) {
    if (d.envVarIndex !== undefined && d.envVar !== POOL_VAR) {
      problems.push({
        path: at(d, 'envVarIndex'),
        message: `only orders devices inside ${POOL_VAR}; set envVar to ${POOL_VAR} or remove envVarIndex`,
      });
    }
    if (d.readonly && (FSTESTS_DEVICE_VARS as readonly string[]).includes(d.envVar ?? '')) {
      problems.push({
        path: at(d, 'readonly'),
        message: `fstests writes to ${d.envVar}; a read-only device cannot be one: remove readonly or envVar`,
      });
    }
  }
  if (!devs.some((d) => d.envVar === 'TEST_DEV')) {
    problems.push({
      path: ['devices'],
      message: 'fstests needs a TEST_DEV: give one device envVar "TEST_DEV"',
    });
  }
  const tmpfsBytes = devs.reduce((sum, d) => sum + (d.useTmpfs ? (d.sizeBytes ?? 0) : 0), 0);
  if (tmpfsBytes > DEVICE_LIMITS.maxTmpfsBytes) {
    problems.push({
      path: [fromProfile ? 'useTmpfs' : 'devices'],
      message:
        `${formatBytes(tmpfsBytes)} of tmpfs-backed devices is more than the ${formatBytes(DEVICE_LIMITS.maxTmpfsBytes)} limit; ` +
        (fromProfile
          ? 'use fstests_small on tmpfs, or turn useTmpfs off'
          : 'put some devices on disk (useTmpfs: false) or make them smaller'),
    });
  }
  return problems;
}

export const DeviceSetSpec = z
  .strictObject({
    /** A named layout; the default when neither profile nor devices is given: fstests_default. */
    profile: DeviceProfileName.optional(),
    /** Default for every size device that does not say (the profiles' tmpfs override). */
    useTmpfs: z.boolean().optional(),
    devices: z
      .array(DeviceSpec)
      .max(DEVICE_LIMITS.maxDevices, `at most ${DEVICE_LIMITS.maxDevices} devices; remove some`)
      .optional(),
  })
  .superRefine((set, ctx) => {
    if (set.profile !== undefined && set.devices !== undefined) {
      ctx.addIssue({
        code: 'custom',
        path: ['profile'],
        message: 'give either profile or devices, not both',
      });
      return;
    }
    for (const p of deviceSetProblems(set)) ctx.addIssue({ code: 'custom', ...p });
  });
export type DeviceSetSpecInput = z.input<typeof DeviceSetSpec>;
export type DeviceSetSpec = z.output<typeof DeviceSetSpec>;
