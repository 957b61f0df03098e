import { open, readFile, readlink, realpath } from 'node:fs/promises';
import { isAbsolute, join, resolve } from 'node:path';
import { parse } from 'yaml';
import { z } from 'zod';
import { describeZodError, FstoError, INVALID_SPEC } from '../../common/errors';
import { fstoEnv } from '../settings';

// What a run may name on this host, whoever starts it: the files and trees the worker (root)
// reads and hands to a guest, and the block devices it would mkfs. In the worker's host config,
// <state dir>/host.yaml (env FSTO_HOST_CONFIG overrides):
//
//   allow:
//     paths: [/srv/fstests, /home/ci]   # configFile, excludeFile, fstests, kernel lie under one
//     blockDevices: [/dev/vdb, /dev/nvme1n1p*]   # `path:` devices a run may use (* matches any tail)
//
// The defaults keep a single user's host as it was: paths [/], blockDevices [/*] (any; the device
// checks still refuse a mounted, swap or held device). Paths are compared canonical (realpath).

const AbsPath = z.string().refine(isAbsolute, 'an absolute path');
export const HostAllow = z.strictObject({
  paths: z.array(AbsPath).default(['/']),
  blockDevices: z.array(AbsPath).default(['/*']),
});
export type HostAllow = z.infer<typeof HostAllow>;
export const HostConfig = z.strictObject({
  allow: HostAllow.default({ paths: ['/'], blockDevices: ['/*'] }),
});
export type HostConfig = z.infer<typeof HostConfig>;

export function hostConfigFile(stateDir: string): string {
  return fstoEnv('FSTO_HOST_CONFIG') ?? join(stateDir, 'host.yaml');
}

/** A config this host cannot use: its message names the file, the field and the fix. */
export class HostConfigError extends Error {}

/** The host config (defaults when the file does not exist); read at every use, so edits apply at once. */
export async function loadHostConfig(stateDir: string): Promise<HostConfig & { file: string }> {
  const file = hostConfigFile(stateDir);
  const text = await readFile(file, 'utf8').catch((err: NodeJS.ErrnoException) => {
    if (err.code === 'ENOENT') return '';
    throw new HostConfigError(`host config ${file}: ${err.message}`);
  });
  let raw: unknown;
  try {
    raw = parse(text) ?? {};
  } catch (err) {
    throw new HostConfigError(`host config ${file}: not YAML: ${(err as Error).message}`);
  }
  const got = HostConfig.safeParse(raw);
  if (!got.success)
    throw new HostConfigError(`host config ${file}:\n${describeZodError(got.error, HostConfig)}`);
  return { ...got.data, file };
}

const canonical = (p: string) => realpath(resolve(p)).catch(() => resolve(p));
const under = (p: string, root: string) => root === '/' || p === root || p.startsWith(`${root}/`);

/** Whether `path` (canonical) lies under one of the allowed roots (canonical). */
export async function pathAllowed(allow: HostAllow, path: string): Promise<boolean> {
  const real = await canonical(path);
  for (const root of allow.paths) if (under(real, await canonical(root))) return true;
  return false;
}

/** The run's fields that name host paths, each refused with the setting to change when outside. */
export async function pathProblems(
  config: HostConfig & { file: string },
  fields: Record<string, string | undefined>,
): Promise<string[]> {
  const out: string[] = [];
  for (const [field, path] of Object.entries(fields)) {
    if (path === undefined || (await pathAllowed(config.allow, path))) continue;
    out.push(
      `${field}: ${path} is outside the paths this host allows (allow.paths in ${config.file}: ` +
        `${config.allow.paths.join(', ')}); use a file under one of them, or add its directory to allow.paths`,
    );
  }
  return out;
}

/**
 * The files and trees a run names, against allow.paths: refused (InvalidSpec, every field named)
 * before anything is read or made. A run's claim and `fsto shell` both check here.
 */
export async function checkRunPaths(
  config: HostConfig & { file: string },
  spec: { fstests: string; configFile?: string; excludeFile?: string },
  kernel: string | undefined,
): Promise<void> {
  const refused = await pathProblems(config, {
    fstests: spec.fstests,
    kernel,
    configFile: spec.configFile,
    excludeFile: spec.excludeFile,
  });
  if (refused.length) throw new FstoError(refused.join('\n'), INVALID_SPEC);
}

const glob = (pattern: string) =>
  new RegExp(`^${pattern.replace(/[.+?^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '.*')}$`);

/** A block device a run names: allowed when its path or its canonical path matches allow.blockDevices. */
export async function blockDeviceProblem(
  config: HostConfig & { file: string },
  path: string,
): Promise<string | undefined> {
  const real = await canonical(path);
  if (config.allow.blockDevices.some((p) => glob(p).test(path) || glob(p).test(real))) return undefined;
  return (
    `path: ${path} is not a block device this host allows (allow.blockDevices in ${config.file}: ` +
    `${config.allow.blockDevices.join(', ') || 'none'}); use size for a loop device, or add it to allow.blockDevices`
  );
}

/**
 * Read a file a run named, checked where it was opened (the fd's own path), so a link swapped in
 * after the run was prepared does not make root read something else.
 */
export async function readAllowed(config: HostConfig & { file: string }, field: string, path: string) {
  const fh = await open(path, 'r');
  try {
    const opened = await readlink(`/proc/self/fd/${fh.fd}`);
    const [problem] = await pathProblems(config, { [field]: opened });
    if (problem)
      throw new HostConfigError(problem.replace(`${field}: ${opened}`, `${field}: ${path} (${opened})`));
    return await fh.readFile('utf8');
  } finally {
    await fh.close();
  }
}
