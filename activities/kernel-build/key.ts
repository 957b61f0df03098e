import { createHash } from 'node:crypto';

// What makes two builds the same: the commit, the config inputs and the toolchain. Pure.

const sha = (parts: readonly string[]) => {
  const h = createHash('sha256');
  for (const p of parts) h.update(`${p.length}:${p}`);
  return h.digest('hex').slice(0, 16);
};

/** The config inputs: the defconfig name or the file's bytes, then each fragment's bytes in order. */
export function configHash(config: { name?: string; file?: string }, fragments: readonly string[]): string {
  return sha([config.name !== undefined ? `name:${config.name}` : `file:${config.file ?? ''}`, ...fragments]);
}

/** The build cache's key: <stateDir>/kbuild/out/<key>. */
export const cacheKey = (commit: string, config: string, toolchain: string) =>
  sha([commit, config, toolchain]);

/** A source tree's work dir name: one per tree path. */
export const treeKey = (tree: string) => sha([tree]);
