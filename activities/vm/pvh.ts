import { createHash, randomBytes } from 'node:crypto';
import { mkdir, readFile, rename, rm, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { runOk } from '../process';

// Under TCG a bzImage spends most of its boot before the kernel's clock starts: the decompressor
// unpacks ~65 MB of xz and relocates it, all emulated (measured here: 46 s vs 21 s to the same
// point of a loaded machine's boot). QEMU boots the kernel's own ELF image straight through its
// PVH entry, so the qemu backend unpacks the kernel once on the host (cached like the initramfs)
// and hands QEMU that. Same kernel, same command line, same initramfs; a kernel that is not xz
// or has no PVH entry (CONFIG_PVH) boots as a bzImage, as before.

const XZ_MAGIC = Buffer.from([0xfd, 0x37, 0x7a, 0x58, 0x5a, 0x00]);
const XEN_ELFNOTE_PHYS32_ENTRY = 18;

/** Pure: does this ELF64 image carry the PVH entry note ("Xen", type 18) QEMU boots through? */
export function hasPvhNote(elf: Buffer): boolean {
  if (elf.length < 64 || elf.readUInt32BE(0) !== 0x7f454c46 || elf[4] !== 2) return false;
  const phoff = Number(elf.readBigUInt64LE(0x20));
  const phentsize = elf.readUInt16LE(0x36);
  const phnum = elf.readUInt16LE(0x38);
  for (let i = 0; i < phnum; i++) {
    const ph = phoff + i * phentsize;
    if (ph + 0x28 > elf.length || elf.readUInt32LE(ph) !== 4) continue; // PT_NOTE
    const start = Number(elf.readBigUInt64LE(ph + 0x08));
    const end = Math.min(elf.length, start + Number(elf.readBigUInt64LE(ph + 0x20)));
    for (let n = start; n + 12 <= end; ) {
      const [namesz, descsz, type] = [elf.readUInt32LE(n), elf.readUInt32LE(n + 4), elf.readUInt32LE(n + 8)];
      const name = elf.subarray(n + 12, n + 12 + namesz).toString('latin1');
      if (name === 'Xen\0' && type === XEN_ELFNOTE_PHYS32_ENTRY) return true;
      n += 12 + align4(namesz) + align4(descsz);
    }
  }
  return false;
}

const align4 = (x: number) => (x + 3) & ~3;

/** Kernels this process found it cannot unpack (by identity on disk): boot their bzImage. */
const notUnpackable = new Set<string>();

/**
 * The kernel's ELF image with a PVH entry, unpacked under cacheDir once per kernel (path, inode,
 * size, mtime); undefined when the kernel cannot be booted that way (then boot it as it is).
 */
export async function pvhKernel(cacheDir: string, kernel: string): Promise<string | undefined> {
  const s = await stat(kernel);
  const key = createHash('sha256')
    .update(JSON.stringify([cacheDir, kernel, s.ino, s.size, s.mtimeMs]))
    .digest('hex')
    .slice(0, 16);
  const path = join(cacheDir, `vmlinux-${key}.elf`);
  const there = await stat(path).then(
    () => true,
    () => false,
  );
  // A kernel seen not to unpack is not tried again; a deleted image is unpacked again.
  if (there) return path;
  if (notUnpackable.has(key)) return undefined;
  const found = await unpack(kernel, path).catch(() => undefined);
  if (!found) notUnpackable.add(key);
  return found;
}

async function unpack(kernel: string, path: string): Promise<string | undefined> {
  const image = await readFile(kernel);
  const at = image.indexOf(XZ_MAGIC);
  if (at < 0) return undefined;
  await mkdir(join(path, '..'), { recursive: true });
  // Unique per unpack: several boots of one worker may unpack the same kernel at once.
  const tmp = `${path}.${process.pid}.${randomBytes(4).toString('hex')}`;
  try {
    await writeFile(`${tmp}.xz`, image.subarray(at));
    // The payload is followed by the bzImage's own trailer: one stream, the rest ignored.
    await runOk(['xz', '--decompress', '--single-stream', '--force', `${tmp}.xz`]);
    if (!hasPvhNote(await readFile(tmp))) return undefined;
    await rename(tmp, path);
    return path;
  } finally {
    await rm(`${tmp}.xz`, { force: true });
    await rm(tmp, { force: true });
  }
}
