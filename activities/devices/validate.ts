import { constants, existsSync } from 'node:fs';
import { open, readFile, readdir, realpath, stat, statfs } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { FstoError, HOST_UNSUITABLE, INVALID_SPEC } from '../../common/errors';
import { formatBytes, type DevicePlan, type PlannedDevice } from '../../common/schemas';
import { run, type RunResult } from '../process';
import { blockDeviceProblem, type HostConfig } from '../host/allow';
import { blkidProbeArgv, findmntAllArgv, parseFindmntSources } from './argv';

// Host checks: everything only the host can see, before anything is created. Every check
// reads; none writes. Each problem names the device, the field and the fix.

export type Exec = (argv: readonly string[]) => Promise<RunResult>;

export interface HostCheckDeps {
  stateDir: string;
  /** Bytes of tmpfs this host lets runs use (HostCapabilities.tmpfsBudgetBytes). */
  tmpfsBudgetBytes: number;
  sysfsRoot?: string;
  exec?: Exec;
  /** The host's allowlist (activities/host/allow.ts): which block devices a run may name. */
  allow?: HostConfig & { file: string };
}

interface BlockInfo {
  kind: 'disk' | 'partition' | 'loop' | 'dm' | 'md' | 'unknown';
  sysDir?: string;
  holders: string[];
  sectors?: number;
  partitions: string[];
  loopBackingFile?: string;
}

const tryRead = (p: string) =>
  readFile(p, 'utf8').then(
    (s) => s.trim(),
    () => undefined,
  );
const tryDir = (p: string) => readdir(p).catch(() => [] as string[]);

/** What sysfs says about a block device node (by its major:minor, whatever its path). */
async function blockInfo(rdev: number, sysfs: string): Promise<BlockInfo> {
  const major = Math.floor(rdev / 256) & 0xfff;
  const minor = (rdev & 0xff) | ((rdev >> 12) & 0xfff00);
  const sysDir = await realpath(join(sysfs, 'dev/block', `${major}:${minor}`)).catch(() => undefined);
  if (!sysDir) return { kind: 'unknown', holders: [], partitions: [] };
  const has = (p: string) => existsSync(join(sysDir, p));
  const kind = has('partition')
    ? 'partition'
    : has('loop')
      ? 'loop'
      : has('dm')
        ? 'dm'
        : has('md')
          ? 'md'
          : 'disk';
  const entries = await tryDir(sysDir);
  const partitions = entries.filter((e) => existsSync(join(sysDir, e, 'partition'))).map((e) => `/dev/${e}`);
  const sectors = Number(await tryRead(join(sysDir, 'size')));
  const loopBackingFile = kind === 'loop' ? await tryRead(join(sysDir, 'loop/backing_file')) : undefined;
  return {
    kind,
    sysDir,
    holders: await tryDir(join(sysDir, 'holders')),
    sectors,
    partitions,
    loopBackingFile,
  };
}

async function canonical(p: string): Promise<string> {
  return realpath(p).catch(() => p);
}

/** Problems of one existing block device; `mounts` maps canonical sources to mount points. */
async function blockProblems(
  d: PlannedDevice,
  deps: HostCheckDeps,
  mounts: Map<string, string[]>,
  swaps: Set<string>,
): Promise<string[]> {
  const path = d.path!;
  const real = await realpath(path).catch(() => undefined);
  if (!real)
    return [`path: ${path} does not exist; give an existing block device, or use size for a loop device`];
  const st = await stat(real);
  if (!st.isBlockDevice()) {
    const what = st.isCharacterDevice()
      ? 'a character device'
      : st.isDirectory()
        ? 'a directory'
        : 'a regular file';
    return [
      `path: ${path} is ${what}, not a block device; give a block device such as /dev/sdb1, or use size for a loop device`,
    ];
  }
  const info = await blockInfo(st.rdev, deps.sysfsRoot ?? '/sys');
  const problems: string[] = [];
  const using = [real, ...info.partitions];
  const mountedAt = using.flatMap((dev) => (mounts.get(dev) ?? []).map((t) => `${t} (${dev})`));
  if (mountedAt.length)
    problems.push(`path: ${path} is mounted at ${mountedAt.join(', ')}; unmount it or choose another device`);
  const swapping = using.filter((dev) => swaps.has(dev));
  if (swapping.length)
    problems.push(
      `path: ${path} is in use as swap (${swapping.join(', ')}); swapoff it or choose another device`,
    );
  if (info.holders.length) {
    problems.push(
      `path: ${path} is held by ${info.holders.join(', ')} (device-mapper, md or similar); release it or choose another device`,
    );
  }
  // Ours (this state dir) or any fsto's: runs/<key>/{devices,tmpfs}/<name>.img is how we lay files out.
  const fstoFile = /\/runs\/[^/]+\/(devices|tmpfs)\/[^/]+\.img( \(deleted\))?$/;
  if (
    info.loopBackingFile?.startsWith(join(deps.stateDir, 'runs') + '/') ||
    fstoFile.test(info.loopBackingFile ?? '')
  ) {
    problems.push(
      `path: ${path} is a loop device of another fsto run (${info.loopBackingFile}); choose another device`,
    );
  }
  if (info.kind === 'disk' && !d.readonly) {
    problems.push(
      `path: ${path} is a whole disk; give a partition (such as ${real}1), or set readonly: true`,
    );
  }
  if (problems.length) return problems;
  if (info.sectors === 0) return [`path: ${path} has size 0 (nothing attached); give a device with storage`];
  try {
    // O_EXCL on a block device: fails with EBUSY when anyone else holds it exclusively.
    const fh = await open(real, (d.readonly ? constants.O_RDONLY : constants.O_RDWR) | constants.O_EXCL);
    try {
      await fh.read(Buffer.alloc(512), 0, 512, 0);
    } finally {
      await fh.close();
    }
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code ?? String(err);
    return [
      `path: ${path} cannot be opened ${d.readonly ? 'for reading' : 'for reading and writing'} (${code}); check that it is present, not in use, and that the worker runs as root`,
    ];
  }
  if (d.requireEmpty) {
    const res = await (deps.exec ?? run)(blkidProbeArgv(real));
    if (res.exitCode === 0) {
      const found = /^(PTTYPE|TYPE)=(.*)$/m.exec(res.stdout);
      const what = found
        ? `${found[1] === 'PTTYPE' ? 'a partition table' : 'a filesystem'} (${found[2]})`
        : 'a signature';
      problems.push(
        `requireEmpty: ${path} carries ${what}; wipe it (wipefs -a ${path}) or set requireEmpty: false`,
      );
    } else if (res.exitCode !== 2) {
      problems.push(
        `requireEmpty: blkid could not probe ${path} (exit ${res.exitCode}: ${res.stderr.trim()}); check the device`,
      );
    }
  }
  return problems;
}

/** Free bytes where the backing files will go (the nearest existing ancestor of stateDir). */
async function freeBytes(dir: string): Promise<number | undefined> {
  for (let p = dir; ; p = dirname(p)) {
    const s = await statfs(p).catch(() => undefined);
    if (s) return s.bavail * s.bsize;
    if (p === dirname(p)) return undefined;
  }
}

async function mountSources(exec: Exec): Promise<Map<string, string[]>> {
  const res = await exec(findmntAllArgv());
  const raw = parseFindmntSources(res.stdout);
  const out = new Map<string, string[]>();
  for (const [src, targets] of raw) {
    if (!src.startsWith('/')) continue;
    const key = await canonical(src);
    out.set(key, [...(out.get(key) ?? []), ...targets]);
  }
  return out;
}

async function swapDevices(): Promise<Set<string>> {
  const text = (await tryRead('/proc/swaps')) ?? '';
  const devs = text
    .split('\n')
    .slice(1)
    .map((l) => l.split(/\s+/)[0] ?? '')
    .filter((s) => s.startsWith('/'));
  return new Set(await Promise.all(devs.map(canonical)));
}

/**
 * All host checks of a plan. Throws InvalidSpec (the spec cannot work here: fix it) or
 * HostUnsuitable (this host cannot hold it: another host may); returns the plan with warnings.
 */
export async function checkHost(plan: DevicePlan, deps: HostCheckDeps): Promise<DevicePlan> {
  const exec = deps.exec ?? run;
  const spec: string[] = [];
  const host: string[] = [];
  const blocks = plan.devices.filter((d) => d.source === 'block');
  if (blocks.length) {
    const [mounts, swaps] = await Promise.all([mountSources(exec), swapDevices()]);
    const seen = new Map<string, string>();
    for (const d of blocks) {
      const refused = deps.allow && (await blockDeviceProblem(deps.allow, d.path!));
      if (refused) {
        spec.push(`device "${d.name}" ${refused}`);
        continue;
      }
      for (const p of await blockProblems(d, deps, mounts, swaps)) spec.push(`device "${d.name}" ${p}`);
      const real = await canonical(d.path!);
      const other = seen.get(real);
      if (other)
        spec.push(
          `device "${d.name}" path: ${d.path} is the same device as "${other}"; give each device its own`,
        );
      seen.set(real, d.name);
    }
  }
  const loops = plan.devices.filter((d) => d.source !== 'block');
  if (loops.length && !existsSync('/dev/loop-control')) {
    host.push(
      'this host has no loop device support (/dev/loop-control is missing): modprobe loop, or use another host',
    );
  }
  if (loops.length && process.getuid?.() !== 0) {
    host.push('loop devices need root: run the worker as root');
  }
  if (plan.tmpfsBytes > deps.tmpfsBudgetBytes) {
    host.push(
      `useTmpfs: the tmpfs-backed devices need ${formatBytes(plan.tmpfsBytes)}, more than this host's tmpfs budget of ` +
        `${formatBytes(deps.tmpfsBudgetBytes)} (a share of its memory); put devices on disk or make them smaller`,
    );
  }
  if (spec.length || host.length) {
    const type = spec.length ? INVALID_SPEC : HOST_UNSUITABLE;
    throw new FstoError(`invalid device spec:\n${[...spec, ...host].join('\n')}`, type);
  }
  const warnings = [...plan.warnings];
  const free = await freeBytes(deps.stateDir);
  if (free !== undefined && plan.fileBytes > free) {
    warnings.push(
      `the sparse backing files total ${formatBytes(plan.fileBytes)} but the disk of ${deps.stateDir} ` +
        `has ${formatBytes(free)} free: fine while the guest writes less than that`,
    );
  }
  return { ...plan, warnings };
}
