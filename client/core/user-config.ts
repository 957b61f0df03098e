import { readdir, readFile } from 'node:fs/promises';
import { homedir } from 'node:os';
import { isAbsolute, join, resolve } from 'node:path';
import { z } from 'zod';
import { describeZodError } from '../../common/errors';
import { NamedConfig, ConfigName } from '../../common/configs/schema';
import type { UserConfigs } from '../../common/configs/resolve';
import { VmBackendName } from '../../common/schemas/vm';
import { parseSpecText } from './spec-file';
import type { FstoEnv } from '../../activities/settings';

// The user's defaults and own configs, where XDG puts them:
//   $XDG_CONFIG_HOME/fsto/config.yaml      (default ~/.config/fsto; FSTO_CONFIG_DIR overrides)
//   $XDG_CONFIG_HOME/fsto/configs/*.yaml   named configs, `xfs/mine: { fs: xfs, mkfsOptions: … }`
// Paths in them may start with ~/ or be relative to the file.

export const UserDefaults = z.strictObject({
  /** A built fstests tree: --fstests when not given. */
  fstests: z.string().optional(),
  /** A kernel image or build tree: --kernel when not given. */
  kernel: z.string().optional(),
  /** -c when not given: config names (`xfs/4k`, `ext4/all`). */
  configs: z.array(z.string()).optional(),
  /** The filesystem bare config names (`-c 4k`) and `smoke` use (default ext4, as kvm-xfstests). */
  fs: z
    .string()
    .regex(/^[a-z0-9]{2,16}$/)
    .optional(),
  backend: VmBackendName.optional(),
  /** The embedded server's ports (default 7233 and 8233). */
  server: z
    .strictObject({
      port: z.number().int().min(1).max(65535).optional(),
      uiPort: z.number().int().min(1).max(65535).optional(),
    })
    .optional(),
});
export type UserDefaults = z.infer<typeof UserDefaults>;

export class UserConfigError extends Error {}

export function configDir(env: FstoEnv & { XDG_CONFIG_HOME?: string } = process.env as FstoEnv): string {
  if (env.FSTO_CONFIG_DIR) return env.FSTO_CONFIG_DIR;
  const base =
    env.XDG_CONFIG_HOME && isAbsolute(env.XDG_CONFIG_HOME) ? env.XDG_CONFIG_HOME : join(homedir(), '.config');
  return join(base, 'fsto');
}

/** `~/x` and paths relative to the file's directory, made absolute. */
export function expandPath(p: string, base: string): string {
  if (p === '~' || p.startsWith('~/')) return join(homedir(), p.slice(1));
  return resolve(base, p);
}

async function readYaml(file: string): Promise<unknown> {
  const text = await readFile(file, 'utf8').catch((err: NodeJS.ErrnoException) => {
    if (err.code === 'ENOENT') return undefined;
    throw err;
  });
  return text === undefined ? undefined : (parseSpecText(text, file) ?? {});
}

/** The defaults file (empty when there is none); a bad one is refused with the field and the fix. */
export async function loadUserDefaults(dir = configDir()): Promise<UserDefaults & { file: string }> {
  const file = join(dir, 'config.yaml');
  const raw = await readYaml(file);
  if (raw === undefined) return { file };
  const parsed = UserDefaults.safeParse(raw);
  if (!parsed.success) throw new UserConfigError(`${file}:\n${describeZodError(parsed.error, UserDefaults)}`);
  const d = parsed.data;
  return {
    ...d,
    ...(d.fstests ? { fstests: expandPath(d.fstests, dir) } : {}),
    ...(d.kernel ? { kernel: expandPath(d.kernel, dir) } : {}),
    file,
  };
}

/** Named configs from <dir>/configs/*.yaml: each file maps config names to configs. */
export async function loadUserConfigs(dir = configDir()): Promise<UserConfigs> {
  const cdir = join(dir, 'configs');
  const files = (await readdir(cdir).catch(() => [])).filter((f) => /\.(ya?ml|json)$/.test(f)).sort();
  const out: UserConfigs = {};
  for (const f of files) {
    const file = join(cdir, f);
    const raw = await readYaml(file);
    if (raw === undefined || raw === null) continue;
    if (typeof raw !== 'object' || Array.isArray(raw))
      throw new UserConfigError(
        `${file}: map config names to configs, e.g. "xfs/mine: { fs: xfs, mkfsOptions: -b size=2048 }"`,
      );
    for (const [name, config] of Object.entries(raw as Record<string, unknown>)) {
      const n = ConfigName.safeParse(name);
      if (!n.success) throw new UserConfigError(`${file}: ${name}: ${n.error.issues[0]!.message}`);
      const c = NamedConfig.safeParse(config);
      if (!c.success)
        throw new UserConfigError(`${file}: ${name}:\n${describeZodError(c.error, NamedConfig)}`);
      if (out[name]) throw new UserConfigError(`${file}: ${name} is also defined in ${out[name].source}`);
      out[name] = { config: c.data, source: file };
    }
  }
  return out;
}
