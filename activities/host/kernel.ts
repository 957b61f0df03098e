import { open, readdir, readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { KernelError, TREE_IMAGES, treeImage, treeModules } from './kernel-tree';

export { KernelError };

// Kernel images on the host, and the release string a bzImage carries in its setup header
// (offset 0x20E holds a pointer to "6.1.0-26-amd64 (debian-kernel@…) #1 SMP …").

/** Kernel release of a bzImage, read from its header, or undefined if it is not one. */
export async function kernelRelease(image: string): Promise<string | undefined> {
  const fh = await open(image, 'r');
  try {
    const head = Buffer.alloc(0x210);
    await fh.read(head, 0, head.length, 0);
    if (head.toString('latin1', 0x202, 0x206) !== 'HdrS') return undefined;
    const offset = head.readUInt16LE(0x20e) + 0x200;
    const buf = Buffer.alloc(256);
    await fh.read(buf, 0, buf.length, offset);
    const text = buf.toString('latin1');
    return text.slice(0, text.search(/[\s\0]/)) || undefined;
  } finally {
    await fh.close();
  }
}

/** Compare kernel release strings the way people read them: 6.10 after 6.9. */
export function compareReleases(a: string, b: string): number {
  return a.localeCompare(b, 'en', { numeric: true });
}

/** /boot/vmlinuz-* images, newest release first. */
export async function listKernels(bootDir = '/boot'): Promise<string[]> {
  let names: string[];
  try {
    names = await readdir(bootDir);
  } catch {
    return [];
  }
  return names
    .filter((n) => n.startsWith('vmlinuz-'))
    .sort((a, b) => compareReleases(b.slice(8), a.slice(8)))
    .map((n) => join(bootDir, n));
}

/** What --kernel named, as the run records it. */
export interface KernelChoice {
  /** `image`: a bzImage (its modules: /lib/modules/<release> of the host); `tree`: a build tree. */
  kind: 'image' | 'tree';
  /** What was given (the image, or the tree's directory). */
  path: string;
  image: string;
  release: string;
  /** The tree's modules, installed for the guest (a tree only). */
  modulesDir?: string;
}

/**
 * --kernel as an image or a build tree (a directory with arch/x86/boot/bzImage and the modules
 * it built). The release is the tree's include/config/kernel.release, else the image's header.
 */
export async function resolveKernel(path: string, cacheDir: string): Promise<KernelChoice> {
  const s = await stat(path).catch(() => undefined);
  if (!s) throw new KernelError(`kernel: ${path} does not exist; give a bzImage or a built kernel tree`);
  if (!s.isDirectory()) {
    const release = await kernelRelease(path).catch(() => undefined);
    if (!release) throw new KernelError(`kernel: ${path} is not a readable bzImage`);
    return { kind: 'image', path, image: path, release };
  }
  const image = await treeImage(path);
  if (!image)
    throw new KernelError(
      `kernel: ${path} is a directory without ${TREE_IMAGES.join(' or ')}; build it (make bzImage modules) or give the image`,
    );
  const fromTree = (
    await readFile(join(path, 'include/config/kernel.release'), 'utf8').catch(() => '')
  ).trim();
  const release = fromTree || (await kernelRelease(image).catch(() => undefined));
  if (!release) throw new KernelError(`kernel: ${image} is not a readable bzImage`);
  return { kind: 'tree', path, image, release, modulesDir: await treeModules(path, release, cacheDir) };
}
