import { resolve } from 'node:path';
import { configSpec, resolveConfigs, type UserConfigs } from '../../common/configs/resolve';
import type { DeviceProfileName, DeviceSetSpecInput, ExpungeEntry, RunSpecInput } from '../../common/schemas';
import { expandShorthands } from './shorthands';
import type { UserDefaults } from '../core/user-config';

// `fsto run` flags → one RunSpec per config (pure; files are read by the caller). Each value a
// flag does not give comes from the user's defaults (config.yaml), then from RunSpec's own.

export interface RunFlags {
  configs: string[];
  fs?: string;
  fstests?: string;
  kernel?: string;
  config?: string;
  section?: string;
  group: string[];
  exclude: string[];
  excludeTest: string[];
  excludeFile?: string;
  repeat?: string;
  loopOnFail?: string;
  soak?: string;
  mkfs?: string;
  mount?: string;
  var: string[];
  devicesProfile?: string;
  tmpfs?: boolean;
  memory?: string;
  cpus?: string;
  accel?: string;
  append: string[];
  backend?: string;
  requireKvm?: boolean;
  flakyRetries?: string;
  maxVmRestarts?: string;
  hostLossTimeout?: string;
  hangFloor?: string;
  hangFactor?: string;
  hangDefault?: string;
}

/** Contents of the files some flags name (--devices-spec, --expunge), read by the caller. */
export interface FlagFiles {
  devices?: DeviceSetSpecInput;
  expunge?: ExpungeEntry[];
}

export interface PlannedRun {
  /** The config's name (`xfs/4k`), or the plain fs. */
  label: string;
  spec: RunSpecInput;
}

export class BadFlags extends Error {}

const list = (vs: readonly string[]) =>
  vs
    .flatMap((v) => v.split(','))
    .map((v) => v.trim())
    .filter(Boolean);

/** `4096`, `4096M`, `4G` → MiB. */
export function memoryMiB(v: string): number {
  const m = /^(\d+)([MG]?)$/i.exec(v.trim());
  if (!m) throw new BadFlags(`--memory: give MiB or a size such as 4G or 4096M, not "${v}"`);
  return Number(m[1]) * (m[2]?.toUpperCase() === 'G' ? 1024 : 1);
}

function vars(f: RunFlags, soak: string | undefined): Record<string, string> {
  const out: Record<string, string> = {};
  for (const kv of f.var) {
    const i = kv.indexOf('=');
    if (i <= 0) throw new BadFlags(`--var: give KEY=VALUE, not "${kv}"`);
    out[kv.slice(0, i)] = kv.slice(i + 1);
  }
  if (soak) out.SOAK_DURATION = soak;
  return out;
}

function hang(f: RunFlags): RunSpecInput['hang'] | undefined {
  const h = {
    ...(f.hangFloor !== undefined ? { floorSec: Number(f.hangFloor) } : {}),
    ...(f.hangFactor !== undefined ? { factor: Number(f.hangFactor) } : {}),
    ...(f.hangDefault !== undefined ? { defaultSec: Number(f.hangDefault) } : {}),
  };
  return Object.keys(h).length ? h : undefined;
}

function vm(f: RunFlags, d: UserDefaults): RunSpecInput['vm'] | undefined {
  const v = {
    ...(f.backend || d.backend ? { backend: (f.backend ?? d.backend) as 'qemu' | 'vng' } : {}),
    ...(f.cpus !== undefined ? { cpus: Number(f.cpus) } : {}),
    ...(f.memory !== undefined ? { memoryMiB: memoryMiB(f.memory) } : {}),
    ...(f.accel ? { accel: f.accel as 'auto' } : {}),
    ...(f.append.length ? { cmdline: f.append } : {}),
  };
  return Object.keys(v).length ? v : undefined;
}

/** The runs `fsto run` starts: one per config named (or one for --fs / --config FILE). */
export function planRuns(
  f: RunFlags,
  words: readonly string[],
  d: UserDefaults,
  user: UserConfigs,
  files: FlagFiles = {},
): PlannedRun[] {
  const primaryFs = f.fs ?? d.fs ?? 'ext4';
  const sh = expandShorthands(words, primaryFs);
  const fstests = f.fstests ?? d.fstests;
  if (!fstests)
    throw new BadFlags('--fstests: give a built fstests tree, or set `fstests:` in your config.yaml');
  const kernel = f.kernel ? resolve(f.kernel) : d.kernel;
  if (f.config && f.configs.length)
    throw new BadFlags('--config FILE runs your own local.config: leave out -c');
  const soak = f.soak ?? sh.soak;
  const common: RunSpecInput = {
    fstests: resolve(fstests),
    fs: primaryFs,
    ...(kernel ? { kernel } : {}),
    tests: sh.tests,
    groups: [...new Set([...list(f.group), ...sh.groups])],
    excludeGroups: list(f.exclude),
    excludeTests: list(f.excludeTest),
    ...(f.excludeFile ? { excludeFile: resolve(f.excludeFile) } : {}),
    ...(f.config ? { configFile: resolve(f.config) } : {}),
    ...(f.section ? { section: f.section } : {}),
    ...(f.repeat !== undefined ? { iterations: Number(f.repeat) } : {}),
    ...(f.loopOnFail !== undefined ? { loopOnFail: Number(f.loopOnFail) } : {}),
    ...(f.requireKvm ? { requireKvm: true } : {}),
    ...(f.flakyRetries !== undefined ? { flakyRetries: Number(f.flakyRetries) } : {}),
    ...(f.maxVmRestarts !== undefined ? { maxVmRestarts: Number(f.maxVmRestarts) } : {}),
    ...(f.hostLossTimeout !== undefined ? { hostLossTimeoutSec: Number(f.hostLossTimeout) } : {}),
    ...(hang(f) ? { hang: hang(f) } : {}),
    ...(vm(f, d) ? { vm: vm(f, d) } : {}),
    ...(files.expunge ? { expunge: files.expunge } : {}),
  };
  const profile = f.devicesProfile as DeviceProfileName | undefined;
  const own = {
    ...(f.mkfs !== undefined ? { mkfsOptions: f.mkfs } : {}),
    ...(f.mount !== undefined ? { mountOptions: f.mount } : {}),
  };
  const devicesOf = (fromConfig?: DeviceSetSpecInput): DeviceSetSpecInput | undefined =>
    files.devices ??
    fromConfig ??
    (profile || f.tmpfs
      ? { ...(profile ? { profile } : {}), ...(f.tmpfs ? { useTmpfs: true } : {}) }
      : undefined);
  const names = f.configs.length
    ? f.configs
    : f.fs || f.config
      ? []
      : (sh.configs ?? d.configs ?? [`${primaryFs}/default`]);
  if (names.length === 0) {
    // A plain filesystem (--fs) or your own local.config: fstests' defaults, nothing of a library.
    const devices = devicesOf();
    const extra = vars(f, soak);
    return [
      {
        label: f.config ? `${primaryFs} (${f.config}${f.section ? ` [${f.section}]` : ''})` : primaryFs,
        spec: {
          ...common,
          ...own,
          ...(Object.keys(extra).length ? { vars: extra } : {}),
          ...(devices ? { devices } : {}),
        },
      },
    ];
  }
  return resolveConfigs(names, primaryFs, user).map((r) => {
    const c = configSpec(r, { ...(profile ? { profile } : {}), ...(f.tmpfs ? { useTmpfs: true } : {}) });
    const devices = devicesOf(c.devices);
    return {
      label: r.name,
      spec: {
        ...common,
        ...c,
        ...own,
        vars: { ...c.vars, ...vars(f, soak) },
        excludeGroups: [...new Set([...(c.excludeGroups ?? []), ...(common.excludeGroups ?? [])])],
        excludeTests: [...new Set([...(c.excludeTests ?? []), ...(common.excludeTests ?? [])])],
        ...(devices ? { devices } : {}),
      },
    };
  });
}
