import { randomBytes } from 'node:crypto';
import { createHash } from 'node:crypto';
import { mkdir, readFile, rename, stat, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { cpioNewc, type CpioEntry } from './cpio';
import { loadOrder, parseModulesDep } from './modules';

// The qemu backend's initramfs: busybox, our init, the agent and the few modules needed to mount
// the root. Built once per (kernel modules, inputs) and cached under the state dir.

export const GUEST_DIR = fileURLToPath(new URL('../../guest/', import.meta.url));
export const BUSYBOX = '/bin/busybox';

/** What the init needs to reach the root: virtio PCI, 9p, overlay, the control port, disks. */
export const ROOT_MODULES = ['virtio_pci', 'virtio_console', 'virtio_blk', '9pnet_virtio', '9p', 'overlay'];
/** Extra modules when the root is a user-supplied image (we only know how to mount ext4). */
export const ROOTFS_MODULES = ['ext4'];

export interface InitramfsInput {
  cacheDir: string;
  /** /init: our guest/init.sh, or a probe's tiny script. */
  init: string;
  modulesDir?: string;
  modules?: readonly string[];
  /** Extra files under /fsto/ (the agent). */
  files?: Record<string, Buffer>;
}

async function modulesOf(dir: string | undefined, wanted: readonly string[]): Promise<CpioEntry[]> {
  if (!dir || wanted.length === 0) return [];
  const dep = parseModulesDep(await readFile(join(dir, 'modules.dep'), 'utf8'));
  const order = loadOrder(dep, wanted);
  const entries: CpioEntry[] = [];
  for (const path of order) {
    entries.push({
      name: `fsto/modules/${path.split('/').pop()}`,
      type: 'file',
      data: await readFile(join(dir, path)),
    });
  }
  const names = order.map((p) => p.split('/').pop()).join('\n');
  entries.push({ name: 'fsto/modules.order', type: 'file', data: Buffer.from(`${names}\n`) });
  return entries;
}

/**
 * What an initramfs is built from, cheaply: the small inputs themselves, and for the files read
 * from the system (busybox, the modules) their identity on disk. A module changes only with its
 * kernel's modules.dep (depmod rewrites it), so that file stands for them.
 */
async function inputsKey(input: InitramfsInput): Promise<string> {
  const id = async (path: string) => {
    const s = await stat(path);
    return [path, s.ino, s.size, s.mtimeMs];
  };
  const h = createHash('sha256');
  h.update(JSON.stringify([input.cacheDir, input.init, input.modulesDir, input.modules, await id(BUSYBOX)]));
  if (input.modulesDir && input.modules?.length)
    h.update(JSON.stringify(await id(join(input.modulesDir, 'modules.dep'))));
  for (const [name, data] of Object.entries(input.files ?? {})) h.update(name).update(data);
  return h.digest('hex');
}

/** Images this process built or found, by inputsKey: a boot skips reading and archiving (~50 ms). */
const built = new Map<string, string>();

/** Build (or reuse) the initramfs; returns its path. */
export async function buildInitramfs(input: InitramfsInput): Promise<string> {
  const key = await inputsKey(input);
  const known = built.get(key);
  if (known && (await exists(known))) return known;
  const path = await archive(input);
  built.set(key, path);
  return path;
}

const exists = (path: string) =>
  stat(path).then(
    () => true,
    () => false,
  );

async function archive(input: InitramfsInput): Promise<string> {
  const entries: CpioEntry[] = [
    ...['bin', 'dev', 'proc', 'sys', 'newroot', 'fsto', 'fsto/modules'].map(
      (name): CpioEntry => ({ name, type: 'dir' }),
    ),
    { name: 'bin/busybox', type: 'file', mode: 0o755, data: await readFile(BUSYBOX) },
    { name: 'bin/sh', type: 'symlink', data: Buffer.from('busybox') },
    { name: 'init', type: 'file', mode: 0o755, data: Buffer.from(input.init) },
    ...Object.entries(input.files ?? {}).map(
      ([name, data]): CpioEntry => ({ name: `fsto/${name}`, type: 'file', data }),
    ),
    ...(await modulesOf(input.modulesDir, input.modules ?? [])),
  ];
  const archive = cpioNewc(entries);
  const hash = createHash('sha256').update(archive).digest('hex').slice(0, 16);
  const path = join(input.cacheDir, `initramfs-${hash}.cpio`);
  if (await exists(path)) return path;
  await mkdir(dirname(path), { recursive: true });
  // Unique per build: several boots of one worker may build the same image at once.
  const tmp = `${path}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`;
  await writeFile(tmp, archive);
  await rename(tmp, path);
  return path;
}

/** The qemu backend's initramfs for a kernel whose modules live in modulesDir. */
export async function guestInitramfs(cacheDir: string, modulesDir: string, rootfs: boolean): Promise<string> {
  return buildInitramfs({
    cacheDir,
    init: await readFile(join(GUEST_DIR, 'init.sh'), 'utf8'),
    modulesDir,
    modules: rootfs ? [...ROOT_MODULES, ...ROOTFS_MODULES] : ROOT_MODULES,
    files: { 'agent.py': await readFile(join(GUEST_DIR, 'agent.py')) },
  });
}
