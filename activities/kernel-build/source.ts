import { readFile, stat } from 'node:fs/promises';
import { run } from '../process';
import type { KernelSource } from '../../common/schemas';
import { git } from './argv';
import { configHash } from './key';

// A source checked before anything is built: a git tree, a ref it knows, config files that exist.
// Each error names the field and the fix (the run fails as bad input before any resource exists).

export class SourceError extends Error {}

export interface ResolvedSource {
  tree: string;
  commit: string;
  configHash: string;
  /** The config file's text, when config is a file. */
  configText?: string;
}

/** The commit a ref names in tree, or a SourceError naming `field`. */
export async function resolveRef(tree: string, ref: string, field: string): Promise<string> {
  const got = await run(git.commit(tree, ref));
  if (got.exitCode !== 0 || !/^[0-9a-f]{40,64}$/.test(got.stdout.trim()))
    throw new SourceError(
      `${field}: ${tree} has no commit "${ref}"; give a branch, tag or commit of that tree (git -C ${tree} log --oneline)`,
    );
  return got.stdout.trim();
}

/** The tree is a git tree: else a SourceError naming `field`. */
export async function checkTree(tree: string, field: string): Promise<void> {
  const s = await stat(tree).catch(() => undefined);
  if (!s?.isDirectory())
    throw new SourceError(`${field}: ${tree} does not exist; give the kernel's git tree`);
  if ((await run(git.gitDir(tree))).exitCode !== 0)
    throw new SourceError(`${field}: ${tree} is not a git tree; give a clone of the kernel (git clone …)`);
}

const readOr = async (path: string, field: string) =>
  readFile(path, 'utf8').catch(() => {
    throw new SourceError(`${field}: ${path} cannot be read; give an existing file`);
  });

/** Config file and fragments read (they make the config hash). */
export async function resolveConfig(
  config: string | undefined,
  fragments: readonly string[],
  field: string,
): Promise<{ configHash: string; configText?: string }> {
  const configText = config?.startsWith('/') ? await readOr(config, `${field}.config`) : undefined;
  const frags: string[] = [];
  for (const [i, f] of fragments.entries()) frags.push(await readOr(f, `${field}.fragments.${i}`));
  const hash = configHash(configText !== undefined ? { file: configText } : { name: config ?? '' }, frags);
  return { configHash: hash, ...(configText !== undefined ? { configText } : {}) };
}

/** The whole source, resolved; `field` is where it sits in the spec (`kernel`). */
export async function resolveSource(src: KernelSource, field = 'kernel'): Promise<ResolvedSource> {
  await checkTree(src.tree, `${field}.tree`);
  const commit = await resolveRef(src.tree, src.ref, `${field}.ref`);
  return { tree: src.tree, commit, ...(await resolveConfig(src.config, src.fragments, field)) };
}
