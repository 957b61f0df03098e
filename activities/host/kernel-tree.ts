import { createHash, randomBytes } from 'node:crypto';
import { constants } from 'node:fs';
import { copyFile, link, mkdir, readFile, rename, rm, stat, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { runOk } from '../process';

// A kernel build tree as virtme-ng takes one (`vng --run ~/linux`): its arch/x86/boot/bzImage and
// the modules the build made (listed in its modules.order, lying beside their sources). The guest
// wants them as `make modules_install` lays them out, so they are installed once into
// <cacheDir>/kmods/<hash>/lib/modules/<release>/kernel/… (hard links, copies across filesystems)
// and indexed by depmod, never touching the tree. The hash covers the modules' names, sizes and
// mtimes: a rebuild makes a new one.

export const TREE_IMAGES = ['arch/x86/boot/bzImage', 'arch/x86_64/boot/bzImage'];

/** The built bzImage of a tree, or undefined when dir is not a built kernel tree. */
export async function treeImage(dir: string): Promise<string | undefined> {
  for (const rel of TREE_IMAGES) {
    const p = join(dir, rel);
    if (
      await stat(p).then(
        (s) => s.isFile(),
        () => false,
      )
    )
      return p;
  }
  return undefined;
}

/** Module paths relative to the tree (`fs/xfs/xfs.ko`) from a build's modules.order (newer kernels list `.o`). */
export function parseModulesOrder(text: string): string[] {
  return text
    .split('\n')
    .map((l) => l.trim().replace(/^kernel\//, ''))
    .filter(Boolean)
    .map((l) => l.replace(/\.o$/, '.ko'));
}

/** modules.order / modules.builtin as modules_install writes them: paths under kernel/. */
export function installedList(text: string): string {
  return parseModulesOrder(text)
    .map((p) => `kernel/${p}`)
    .join('\n')
    .concat('\n');
}

async function linkOrCopy(src: string, dst: string): Promise<void> {
  await mkdir(dirname(dst), { recursive: true });
  try {
    await link(src, dst);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'EXDEV') throw err;
    await copyFile(src, dst, constants.COPYFILE_FICLONE);
  }
}

/**
 * The tree's modules, installed and indexed for `release`; returns the modules dir
 * (…/lib/modules/<release>). A tree built without modules gets an empty, indexed one.
 */
export async function treeModules(tree: string, release: string, cacheDir: string): Promise<string> {
  const order = await readFile(join(tree, 'modules.order'), 'utf8').catch(() => '');
  const mods = parseModulesOrder(order);
  const h = createHash('sha256').update(`${tree}\0${release}\0`);
  for (const m of mods) {
    const s = await stat(join(tree, m)).catch(() => undefined);
    if (!s) throw new Error(`kernel tree ${tree}: ${m} is in modules.order but not built (run make modules)`);
    h.update(`${m}\0${s.size}\0${s.mtimeMs}\0`);
  }
  const base = join(cacheDir, 'kmods', h.digest('hex').slice(0, 16));
  const modulesDir = join(base, 'lib', 'modules', release);
  if (
    await stat(join(modulesDir, 'modules.dep')).then(
      () => true,
      () => false,
    )
  )
    return modulesDir;
  // Built beside its final place, then renamed: two runs preparing the same tree never see half of one.
  const tmp = `${base}.${process.pid}.${randomBytes(3).toString('hex')}.tmp`;
  const tmpDir = join(tmp, 'lib', 'modules', release);
  try {
    await mkdir(tmpDir, { recursive: true });
    for (const m of mods) await linkOrCopy(join(tree, m), join(tmpDir, 'kernel', m));
    await writeFile(join(tmpDir, 'modules.order'), installedList(order));
    const builtin = await readFile(join(tree, 'modules.builtin'), 'utf8').catch(() => '');
    await writeFile(join(tmpDir, 'modules.builtin'), builtin ? installedList(builtin) : '');
    const modinfo = join(tree, 'modules.builtin.modinfo');
    if (
      await stat(modinfo).then(
        () => true,
        () => false,
      )
    )
      await copyFile(modinfo, join(tmpDir, 'modules.builtin.modinfo'));
    await runOk(['/sbin/depmod', '-b', tmp, release]);
    await mkdir(dirname(base), { recursive: true });
    await rename(tmp, base).catch(async (err: NodeJS.ErrnoException) => {
      // Another run finished the same one first: use theirs.
      if (err.code !== 'ENOTEMPTY' && err.code !== 'EEXIST') throw err;
    });
  } finally {
    await rm(tmp, { recursive: true, force: true });
  }
  return modulesDir;
}
