import { readFile, readdir, rename, rm, stat } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { build, type Metafile, type Plugin } from 'esbuild';

// The CLI as one JavaScript bundle of its TypeScript: the `fsto` script runs it with plain node.
// Under tsx every command paid for the loader and for transforming each file at start-up (about
// 0.35 s of CPU, doubled on a loaded host); a bundle costs ~0.3 s once per content of the sources
// (the script keys it by a hash of every .ts file under CLI_SOURCE_DIRS and of package-lock.json).
// The small pure-JS packages every command loads (BUNDLED) go into the bundle: loaded from
// node_modules file by file they took ~0.1 s of each command's start. The others stay external
// (the Temporal SDK: one copy of its classes, its native core); chunks keep lazy imports lazy.
//   node --import tsx client/core/cli-bundle.ts <out dir>

/** What the bundle is made of; the `fsto` script hashes these directories' .ts files. */
export const CLI_SOURCE_DIRS = ['client', 'common', 'activities', 'workers', 'workflows'] as const;
const ROOT = dirname(dirname(dirname(new URL(import.meta.url).pathname)));
const PRUNE_AFTER_MS = 30 * 24 * 3600_000;

/** Packages bundled in; their versions come from package-lock.json, which the key hashes. */
export const BUNDLED = ['zod', 'yaml', 'commander'] as const;
const packageOf = (spec: string) =>
  spec
    .split('/')
    .slice(0, spec.startsWith('@') ? 2 : 1)
    .join('/');

/** Every other package and node built-in stays external. */
const externals: Plugin = {
  name: 'externals',
  setup(b) {
    b.onResolve({ filter: /^[^./]/ }, (a) =>
      (BUNDLED as readonly string[]).includes(packageOf(a.path))
        ? undefined
        : { path: a.path, external: true },
    );
  },
};

/** Each file's import.meta.url stays its source's: paths beside it (guest/, fsto) still resolve. */
const ownUrls: Plugin = {
  name: 'own-import-meta-url',
  setup(b) {
    b.onLoad({ filter: /\.ts$/ }, async (a) => ({
      contents: (await readFile(a.path, 'utf8')).replaceAll(
        'import.meta.url',
        JSON.stringify(pathToFileURL(a.path).href),
      ),
      loader: 'ts',
    }));
  },
};

/** Build the bundle into `outDir` (main.js and its chunks), atomically; its metafile. */
export async function buildCli(outDir: string): Promise<Metafile> {
  const tmp = `${outDir}.tmp-${process.pid}`;
  const r = await build({
    entryPoints: [join(ROOT, 'client', 'main.ts')],
    absWorkingDir: ROOT,
    bundle: true,
    splitting: true,
    format: 'esm',
    platform: 'node',
    target: 'node20',
    outdir: tmp,
    metafile: true,
    logLevel: 'error',
    plugins: [externals, ownUrls],
    // A bundled CommonJS package's require() of a built-in (yaml: "process") needs a require.
    banner: {
      js: `import { createRequire as __fstoRequire } from 'node:module';\nconst require = __fstoRequire(${JSON.stringify(pathToFileURL(join(ROOT, 'package.json')).href)});`,
    },
  });
  try {
    await rename(tmp, outDir);
  } catch {
    await rm(tmp, { recursive: true, force: true }); // another command built it meanwhile
  }
  await pruneOld(dirname(outDir), outDir);
  return r.metafile;
}

/** Bundles of older sources, unused for a month (a process may still load chunks of its own). */
async function pruneOld(cache: string, keep: string): Promise<void> {
  for (const d of await readdir(cache).catch(() => [])) {
    const dir = join(cache, d);
    const s = await stat(join(dir, 'main.js')).catch(() => undefined);
    if (dir !== keep && s && Date.now() - s.atimeMs > PRUNE_AFTER_MS)
      await rm(dir, { recursive: true, force: true });
  }
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const out = process.argv[2];
  if (!out) throw new Error('usage: cli-bundle.ts <out dir>');
  await buildCli(out);
}
