import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { listKernels } from '../../activities/host/kernel';
import { runOk } from '../../activities/process';
import { hasPvhNote, pvhKernel } from '../../activities/vm/pvh';

// The kernel the qemu backend boots under TCG: the host's real bzImage unpacked once into an ELF
// image with a PVH entry. The oracle is binutils' readelf (the notes it lists), not our parser.
const dirs: string[] = [];
const tmp = async () => {
  const d = await mkdtemp(join(tmpdir(), 'fsto-pvh-'));
  dirs.push(d);
  return d;
};
afterAll(async () => {
  for (const d of dirs) await rm(d, { recursive: true, force: true });
});
const pvhNoteByReadelf = async (path: string) =>
  /^\s+Xen\s+0x[0-9a-f]+\s+Unknown note type: \(0x00000012\)/m.test(await runOk(['readelf', '-nW', path]));

describe('pvhKernel', () => {
  it("unpacks the host's kernel once into an ELF image with the PVH entry", async () => {
    const kernel = (await listKernels())[0]!;
    const cacheDir = await tmp();
    const image = await pvhKernel(cacheDir, kernel);
    expect(image).toBeDefined();
    expect(await pvhNoteByReadelf(image!)).toBe(true);
    expect(await pvhKernel(cacheDir, kernel)).toBe(image); // cached
    await rm(image!);
    expect(await pvhKernel(cacheDir, kernel)).toBe(image); // a deleted image is made again
    expect(await pvhNoteByReadelf(image!)).toBe(true);
    expect((await readdir(cacheDir)).filter((f) => !f.endsWith('.elf'))).toEqual([]); // no temp files
  }, 120_000);

  it('leaves a kernel it cannot unpack to be booted as it is, and nothing behind', async () => {
    const cacheDir = await tmp();
    const notXz = join(cacheDir, 'bzImage-like');
    await writeFile(notXz, Buffer.alloc(4096, 7));
    expect(await pvhKernel(cacheDir, notXz)).toBeUndefined();
    expect(await readdir(cacheDir)).toEqual(['bzImage-like']);
  });
});

describe('hasPvhNote', () => {
  it('agrees with readelf: an ELF without the note (a host binary) and non-ELF bytes have none', async () => {
    const bin = '/bin/true';
    expect(await pvhNoteByReadelf(bin)).toBe(false);
    expect(hasPvhNote(await readFile(bin))).toBe(false);
    expect(
      hasPvhNote(Buffer.from('not an elf at all, not even close....................................')),
    ).toBe(false);
  });
});
