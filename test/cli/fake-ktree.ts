import { copyFile, link, mkdir, readFile, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { listKernels, kernelRelease } from '../../activities/host/kernel';

// A directory laid out as a kernel build leaves it (as `make bzImage modules` does, what
// `vng --run DIR` takes): arch/x86/boot/bzImage, each built module beside its source
// (fs/xfs/xfs.ko), modules.order, modules.builtin(.modinfo), include/config/kernel.release. Made
// from the host's newest /boot image and its /lib/modules (hard links), keeping only the modules
// `keep` accepts, so a guest that sees the tree's modules can tell them from the host's.

export async function layKernelTree(
  dir: string,
  keep: (path: string) => boolean,
): Promise<{ release: string }> {
  const image = (await listKernels())[0];
  if (!image) throw new Error('no /boot/vmlinuz-* on this host');
  const release = (await kernelRelease(image))!;
  const mods = `/lib/modules/${release}`;
  await mkdir(join(dir, 'arch/x86/boot'), { recursive: true });
  await copyFile(image, join(dir, 'arch/x86/boot/bzImage'));
  await mkdir(join(dir, 'include/config'), { recursive: true });
  await writeFile(join(dir, 'include/config/kernel.release'), `${release}\n`);
  const strip = (l: string) => l.replace(/^kernel\//, '');
  const order = (await readFile(join(mods, 'modules.order'), 'utf8')).split('\n').filter(Boolean).map(strip);
  const kept = order.filter(keep);
  for (const m of kept) {
    await mkdir(dirname(join(dir, m)), { recursive: true });
    await link(join(mods, 'kernel', m), join(dir, m));
  }
  await writeFile(join(dir, 'modules.order'), `${kept.join('\n')}\n`);
  const builtin = (await readFile(join(mods, 'modules.builtin'), 'utf8'))
    .split('\n')
    .filter(Boolean)
    .map(strip);
  await writeFile(join(dir, 'modules.builtin'), `${builtin.join('\n')}\n`);
  await copyFile(join(mods, 'modules.builtin.modinfo'), join(dir, 'modules.builtin.modinfo'));
  return { release };
}
