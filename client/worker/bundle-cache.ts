import { createHash, randomBytes } from 'node:crypto';
import { mkdir, readdir, readFile, rename, stat, writeFile } from 'node:fs/promises';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';

// The workflow bundle, built once per content: webpack takes seconds (tens under load) on every
// worker start otherwise. Its key hashes every file the bundle can include — the sources under
// workflows/ and common/ (the bundle's own source map lists nothing else of ours: a test checks)
// and package-lock.json for the packages — so any change to them builds a new one.

export const ROOT = fileURLToPath(new URL('../..', import.meta.url));
export const BUNDLE_DIRS = ['workflows', 'common'];

async function filesUnder(dir: string): Promise<string[]> {
  const out: string[] = [];
  for (const e of await readdir(dir, { withFileTypes: true })) {
    const p = join(dir, e.name);
    if (e.isDirectory()) out.push(...(await filesUnder(p)));
    else if (/\.(ts|js|json)$/.test(e.name)) out.push(p);
  }
  return out;
}

/** The content hash of everything the bundle is built from. */
export async function bundleKey(root = ROOT): Promise<string> {
  const h = createHash('sha256');
  const files = [
    join(root, 'package-lock.json'),
    ...(await Promise.all(BUNDLE_DIRS.map((d) => filesUnder(join(root, d))))).flat().sort(),
  ];
  for (const f of files)
    h.update(`${relative(root, f)}\0`)
      .update(await readFile(f))
      .update('\0');
  return h.digest('hex').slice(0, 20);
}

/** The bundle's path in <stateDir>/bundles, built (by `build`) when this content has none yet. */
export async function cachedBundle(
  stateDir: string,
  build: () => Promise<string>,
  root = ROOT,
): Promise<{ codePath: string; built: boolean }> {
  const codePath = join(stateDir, 'bundles', `workflows-${await bundleKey(root)}.js`);
  if (
    await stat(codePath).then(
      () => true,
      () => false,
    )
  )
    return { codePath, built: false };
  await mkdir(join(stateDir, 'bundles'), { recursive: true });
  const tmp = `${codePath}.${process.pid}.${randomBytes(3).toString('hex')}.tmp`;
  await writeFile(tmp, await build());
  await rename(tmp, codePath);
  return { codePath, built: true };
}

/** The real build: Temporal's bundler over workflows/index.ts. */
export async function buildWorkflowBundle(): Promise<string> {
  const { bundleWorkflowCode } = await import('@temporalio/worker');
  const { workflowsPath } = await import('../../workers/workers');
  const quiet = { log() {}, trace() {}, debug() {}, info() {}, warn() {}, error() {} };
  return (await bundleWorkflowCode({ workflowsPath, logger: quiet })).code;
}
