import { profileDevices, type DeviceProfileName, type DeviceSpecInput } from '../schemas/device-spec';
import type { DeviceSetSpecInput } from '../schemas/device-set';
import type { RunSpecInput } from '../schemas/run';
import { ALL_OF, DEFAULT_OF, LIBRARY } from './library';
import { NamedConfig, type ExternalDevice, type NamedConfigInput } from './schema';

// From the names people type (`-c xfs/4k,ext4/1k`, `-c 4k`, `-c xfs`, `-c xfs/all`) to configs,
// and from a config to the RunSpec fields it sets. Pure; user configs win over built-in ones.

export interface ResolvedConfig {
  name: string;
  config: NamedConfig;
  /** Where it came from: `built-in`, or the user's file. */
  source: string;
}

export type UserConfigs = Record<string, { config: NamedConfigInput; source: string }>;

export class UnknownConfig extends Error {}

function known(user: UserConfigs): string[] {
  return [...new Set([...Object.keys(LIBRARY), ...Object.keys(user)])].sort();
}

function one(name: string, user: UserConfigs): ResolvedConfig {
  const mine = user[name];
  if (mine) return { name, config: NamedConfig.parse(mine.config), source: mine.source };
  const builtIn = LIBRARY[name];
  if (builtIn) return { name, config: NamedConfig.parse(builtIn), source: 'built-in' };
  const fs = name.split('/')[0]!;
  const same = known(user).filter((n) => n.startsWith(`${fs}/`));
  throw new UnknownConfig(
    `unknown config ${name}; ` +
      (same.length ? `${fs} has ${same.join(', ')}` : `known: ${known(user).join(', ')}`) +
      ` (fsto configs lists them)`,
  );
}

/** The names one word stands for: `4k` → `<fs>/4k`, `xfs` → `xfs/default` → `xfs/4k`, `xfs/all`, `all`. */
function expand(word: string, primaryFs: string, user: UserConfigs): string[] {
  const isFs = (x: string) => x in ALL_OF || known(user).some((n) => n.startsWith(`${x}/`));
  const defaultOf = (fs: string) =>
    user[`${fs}/default`] ? `${fs}/default` : (DEFAULT_OF[fs] ?? `${fs}/default`);
  const allOf = (fs: string) => ALL_OF[fs] ?? known(user).filter((n) => n.startsWith(`${fs}/`));
  if (word === 'all') return allOf(primaryFs);
  if (!word.includes('/')) return isFs(word) ? [defaultOf(word)] : [`${primaryFs}/${word}`];
  const [fs, sub] = word.split('/', 2) as [string, string];
  if (sub === 'all') return allOf(fs);
  return [sub === 'default' ? defaultOf(fs) : word];
}

/** Every config named (comma lists allowed), expanded, each once, in the order given. */
export function resolveConfigs(
  names: readonly string[],
  primaryFs: string,
  user: UserConfigs = {},
): ResolvedConfig[] {
  const out: ResolvedConfig[] = [];
  const words = names
    .flatMap((n) => n.split(','))
    .map((n) => n.trim())
    .filter(Boolean);
  for (const word of words) {
    for (const name of expand(word, primaryFs, user)) {
      if (!out.some((c) => c.name === name)) out.push(one(name, user));
    }
  }
  return out;
}

const EXTERNAL_VARS: Record<ExternalDevice, [string, string]> = {
  log: ['TEST_LOGDEV', 'SCRATCH_LOGDEV'],
  rt: ['TEST_RTDEV', 'SCRATCH_RTDEV'],
};
/** An external log needs little room (xfs caps its log near 2 GiB); a realtime device is a data device. */
const LOG_SIZE = '1G';

/** The config's device layout: its own, or the profile's seven devices plus its external ones. */
export function configDevices(
  c: NamedConfig,
  profile?: DeviceProfileName,
  useTmpfs?: boolean,
): DeviceSetSpecInput | undefined {
  if (c.devices) return c.devices;
  const p = c.profile ?? profile;
  if (c.external.length === 0)
    return p || useTmpfs ? { ...(p ? { profile: p } : {}), ...(useTmpfs ? { useTmpfs } : {}) } : undefined;
  const base = profileDevices(p ?? 'fstests_default');
  const size = base[0]!.size!;
  const extra: DeviceSpecInput[] = c.external.flatMap((x) =>
    EXTERNAL_VARS[x].map((envVar) => ({
      name: envVar.toLowerCase().replace('_', ''),
      size: x === 'log' ? LOG_SIZE : size,
      envVar,
    })),
  );
  return { devices: [...base, ...extra], ...(useTmpfs ? { useTmpfs } : {}) };
}

/** What a config sets in a run; the caller adds the rest (tests, kernel, …) and merges exclusions. */
export function configSpec(
  r: ResolvedConfig,
  o: { profile?: DeviceProfileName; useTmpfs?: boolean } = {},
): Pick<
  RunSpecInput,
  | 'fs'
  | 'mkfsOptions'
  | 'mountOptions'
  | 'vars'
  | 'devices'
  | 'excludeGroups'
  | 'excludeTests'
  | 'resultsMeta'
> {
  const c = r.config;
  const devices = configDevices(c, o.profile, o.useTmpfs);
  return {
    fs: c.fs,
    ...(c.mkfsOptions ? { mkfsOptions: c.mkfsOptions } : {}),
    ...(c.mountOptions ? { mountOptions: c.mountOptions } : {}),
    vars: c.vars,
    ...(devices ? { devices } : {}),
    excludeGroups: c.excludeGroups,
    excludeTests: c.excludeTests,
    resultsMeta: { config: r.name },
  };
}
