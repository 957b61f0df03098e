import { createHash, randomBytes } from 'node:crypto';
import { constants, type Stats } from 'node:fs';
import { link, lstat, mkdir, realpath, rename, rm, stat, unlink, writeFile } from 'node:fs/promises';
import { dirname, isAbsolute, join } from 'node:path';
import { Beneath } from '../beneath';
import { runOk } from '../process';

// A kernel build tree as virtme-ng takes one (`vng --run ~/linux`): its arch/x86/boot/bzImage and
// the modules the build made (listed in its modules.order, lying beside their sources). The guest
// wants them as `make modules_install` lays them out, so they are installed once into
// <cacheDir>/kmods/<hash>/lib/modules/<release>/kernel/… (hard links, copies across filesystems)
// and indexed by depmod, never touching the tree. The hash covers the modules' names, sizes and
// mtimes: a rebuild makes a new one. Root reads the tree, whoever owns it: its files are opened
// without following links (activities/beneath.ts), and an entry naming a place outside the tree
// (`..`, an absolute path) is refused.

/** Why a --kernel cannot be used; the message names it and the fix. */
export class KernelError extends Error {}

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

/** modules.order entries that leave the tree: refused, naming the entry and the fix. */
export function checkTreeEntries(tree: string, mods: readonly string[]): void {
  const bad = mods.find((m) => isAbsolute(m) || m.split('/').includes('..'));
  if (bad !== undefined)
    throw new KernelError(
      `kernel: ${tree}/modules.order lists "${bad}", a path outside the tree (absolute or with ..); ` +
        'every entry must name a module inside it: rebuild the tree (make modules) or fix modules.order',
    );
}

/** A module of the tree, opened without following any link; a link or non-file is refused. */
async function openModule(tree: Beneath, m: string) {
  try {
    return await tree.open(m, constants.O_RDONLY);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT')
      throw new KernelError(
        `kernel tree ${tree.root}: ${m} is in modules.order but not built (run make modules)`,
      );
    throw new KernelError(`kernel tree ${tree.root}: ${m}: ${(err as Error).message}`);
  }
}

/** A hard link of the file opened as `st` (verified the same inode: no swap in between), else a copy. */
async function linkOrCopy(tree: Beneath, m: string, st: Stats, dst: string): Promise<void> {
  await mkdir(dirname(dst), { recursive: true });
  try {
    await link(join(tree.root, m), dst);
    const got = await lstat(dst);
    if (got.ino === st.ino && got.dev === st.dev) return;
    await unlink(dst);
    throw new KernelError(`kernel tree ${tree.root}: ${m} changed while it was installed; run again`);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'EXDEV') throw err;
    const fh = await openModule(tree, m);
    try {
      await writeFile(dst, await fh.readFile());
    } finally {
      await fh.close();
    }
  }
}

/**
 * The tree's modules, installed and indexed for `release`; returns the modules dir
 * (…/lib/modules/<release>). A tree built without modules gets an empty, indexed one.
 */
export async function treeModules(given: string, release: string, cacheDir: string): Promise<string> {
  const tree = await realpath(given);
  const files = new Beneath(tree);
  const text = (name: string) => files.readText(join(tree, name)).catch(() => '');
  const order = await text('modules.order');
  const mods = parseModulesOrder(order);
  checkTreeEntries(given, mods);
  const h = createHash('sha256').update(`${tree}\0${release}\0`);
  const stats = new Map<string, Stats>();
  for (const m of mods) {
    const fh = await openModule(files, m);
    const s = await fh.stat().finally(() => fh.close());
    stats.set(m, s);
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
    for (const m of mods) await linkOrCopy(files, m, stats.get(m)!, join(tmpDir, 'kernel', m));
    await writeFile(join(tmpDir, 'modules.order'), installedList(order));
    const builtin = await text('modules.builtin');
    await writeFile(join(tmpDir, 'modules.builtin'), builtin ? installedList(builtin) : '');
    const modinfo = await files.readFile(join(tree, 'modules.builtin.modinfo')).catch(() => undefined);
    if (modinfo) await writeFile(join(tmpDir, 'modules.builtin.modinfo'), modinfo);
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
