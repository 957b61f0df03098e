import { build, type Metafile } from 'esbuild';

// The CLI's start-up rule, checked by `npm run lint` instead of kept by comments: a command's
// module loads heavy packages (the worker's native core and webpack, the Temporal client's gRPC,
// the results stores, process runners) only through `await import()` when it needs them, so
// `fsto run` starts in well under a second. The static import closure of each entry below (what
// node loads before the command's first line runs) may not reach the packages it names.
//   npx tsx scripts/hot-path.ts

/** Packages a command loads lazily when it needs them: what costs start-up time. */
const HEAVY = [
  '@temporalio/worker',
  '@temporalio/client',
  '@temporalio/activity',
  '@temporalio/testing',
  'esbuild',
  'execa',
  'pg',
  'node-sqlite3-wasm',
  'fast-xml-parser',
];

/** entry (from the repository's root) → packages its static closure must not import. */
export const HOT_PATH_RULES: Record<string, readonly string[]> = {
  'client/main.ts': [...HEAVY, 'yaml', 'zod', '@temporalio/common'],
  'client/commands/run.ts': HEAVY,
  'client/commands/configs.ts': HEAVY,
  'client/commands/vm.ts': HEAVY.filter((p) => p !== 'execa'),
  'client/commands/schedule.ts': HEAVY.filter((p) => p !== '@temporalio/client'),
  'client/commands/matrix.ts': HEAVY.filter((p) => p !== '@temporalio/client'),
  // Only `fsto worker` and `fsto shell` run host work in-process.
  'client/commands/up.ts': ['@temporalio/worker', 'esbuild', 'pg', 'node-sqlite3-wasm'],
  'client/commands/server.ts': ['@temporalio/worker', 'esbuild', 'pg', 'node-sqlite3-wasm'],
};

/** Every package `entry` reaches through static imports alone (dynamic `import()` is not followed). */
export function staticPackages(meta: Metafile, entry: string): Set<string> {
  const seen = new Set<string>();
  const packages = new Set<string>();
  const walk = (file: string): void => {
    if (seen.has(file)) return;
    seen.add(file);
    for (const i of meta.inputs[file]?.imports ?? []) {
      if (i.kind !== 'import-statement') continue;
      if (i.external) packages.add(i.path);
      else walk(i.path);
    }
  };
  walk(entry);
  return packages;
}

/** One line per broken rule: which entry reaches which package it must load lazily. */
export function hotPathViolations(meta: Metafile, rules: Record<string, readonly string[]>): string[] {
  return Object.entries(rules).flatMap(([entry, banned]) => {
    if (!meta.inputs[entry]) return [`${entry}: not found (update HOT_PATH_RULES in scripts/hot-path.ts)`];
    const reached = staticPackages(meta, entry);
    return banned
      .filter((p) => reached.has(p))
      .map((p) => `${entry} imports ${p} statically: load it with \`await import()\` where it is needed`);
  });
}

/** The static import graph of `entries`, read by esbuild (nothing written). */
export async function importGraph(entries: string[], absWorkingDir = process.cwd()): Promise<Metafile> {
  const r = await build({
    entryPoints: entries,
    absWorkingDir,
    bundle: true,
    splitting: true,
    format: 'esm',
    platform: 'node',
    packages: 'external',
    outdir: 'hot-path-out',
    write: false,
    metafile: true,
    logLevel: 'error',
  });
  return r.metafile;
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const bad = hotPathViolations(await importGraph(Object.keys(HOT_PATH_RULES)), HOT_PATH_RULES);
  for (const b of bad) console.error(`hot-path: ${b}`);
  if (bad.length) process.exit(1);
  console.log(`hot-path: ${Object.keys(HOT_PATH_RULES).length} entries load nothing heavy statically`);
}
