import { copyFile, link, mkdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { treeImage, parseModulesOrder, checkTreeEntries } from '../host/kernel-tree';

// A finished build, kept as a directory laid out like a kernel build tree (what `--kernel DIR`
// takes: activities/host/kernel-tree.ts installs its modules for the guest): the bzImage,
// include/config/kernel.release, modules.order/.builtin(.modinfo) and each built module at its
// path. Hard links where they can be (copies across filesystems); made beside its place, then
// renamed, so a half-made one is never found. The work dir goes on to other commits.

const FILES = [
  'modules.order',
  'modules.builtin',
  'modules.builtin.modinfo',
  'include/config/kernel.release',
  '.config',
];

async function place(src: string, dst: string): Promise<void> {
  await mkdir(dirname(dst), { recursive: true });
  await link(src, dst).catch(async (err: NodeJS.ErrnoException) => {
    if (err.code !== 'EXDEV' && err.code !== 'EPERM') throw err;
    await copyFile(src, dst);
  });
}

/** Copy the build in `work` to `out` (atomic); `record` is written as out/build.json. */
export async function keepBuild(work: string, out: string, record: object): Promise<void> {
  const image = await treeImage(work);
  if (!image) throw new Error(`${work}: the build made no arch/x86/boot/bzImage`);
  const tmp = `${out}.${process.pid}.tmp`;
  await rm(tmp, { recursive: true, force: true });
  try {
    // The image as a copy: the next build in the work dir rewrites it in place.
    await mkdir(join(tmp, 'arch/x86/boot'), { recursive: true });
    await copyFile(image, join(tmp, 'arch/x86/boot/bzImage'));
    for (const f of FILES) await copyFile(join(work, f), join(tmp, f)).catch(() => undefined);
    const mods = parseModulesOrder(await readFile(join(work, 'modules.order'), 'utf8').catch(() => ''));
    checkTreeEntries(work, mods);
    for (const m of mods) await place(join(work, m), join(tmp, m));
    await writeFile(join(tmp, 'build.json'), `${JSON.stringify(record, null, 2)}\n`);
    await rename(tmp, out).catch((err: NodeJS.ErrnoException) => {
      if (err.code !== 'ENOTEMPTY' && err.code !== 'EEXIST') throw err; // another run kept it first
    });
  } finally {
    await rm(tmp, { recursive: true, force: true });
  }
}
