// The newc cpio format the kernel unpacks an initramfs from: enough of it to write one, so the
// qemu backend needs no cpio/mkinitramfs tool on the host. Pure.

export interface CpioEntry {
  /** Path inside the archive, without a leading slash. */
  name: string;
  /** 'dir', 'file' (with data) or 'symlink' (data = target). */
  type: 'dir' | 'file' | 'symlink';
  mode?: number;
  data?: Buffer;
}

const TYPE_BITS = { dir: 0o040000, file: 0o100000, symlink: 0o120000 } as const;

function hex8(n: number): string {
  return n.toString(16).padStart(8, '0');
}

function pad4(len: number): Buffer {
  return Buffer.alloc((4 - (len % 4)) % 4);
}

function header(ino: number, name: string, mode: number, size: number, nlink: number): Buffer {
  const fields = [ino, mode, 0, 0, nlink, 0, size, 0, 0, 0, 0, Buffer.byteLength(name) + 1, 0];
  return Buffer.from(`070701${fields.map(hex8).join('')}`, 'latin1');
}

/** A newc archive of the entries, in order, ending with the TRAILER!!! record. */
export function cpioNewc(entries: readonly CpioEntry[]): Buffer {
  const parts: Buffer[] = [];
  const add = (ino: number, name: string, mode: number, data: Buffer, nlink: number) => {
    const head = Buffer.concat([header(ino, name, mode, data.length, nlink), Buffer.from(`${name}\0`)]);
    parts.push(head, pad4(head.length), data, pad4(data.length));
  };
  entries.forEach((e, i) => {
    const perm = e.mode ?? (e.type === 'file' ? 0o644 : 0o755);
    const data = e.type === 'dir' ? Buffer.alloc(0) : (e.data ?? Buffer.alloc(0));
    add(i + 1, e.name.replace(/^\/+/, ''), TYPE_BITS[e.type] | perm, data, e.type === 'dir' ? 2 : 1);
  });
  add(0, 'TRAILER!!!', 0, Buffer.alloc(0), 1);
  return Buffer.concat(parts);
}
