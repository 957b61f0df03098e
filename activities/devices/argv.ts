// Argv of every host tool the devices module runs, as data (never a shell string). Each one
// names exactly the resource it acts on: nothing here can act on "all" loop devices or mounts.

/** Attach a file to the first free loop device and print its name; buffered I/O, never -D. */
export function losetupAttachArgv(file: string, readonly: boolean): string[] {
  return ['losetup', '--find', '--show', '--direct-io=off', ...(readonly ? ['--read-only'] : []), file];
}

export function losetupDetachArgv(device: string): string[] {
  return ['losetup', '--detach', device];
}

/** The loop devices whose backing file is FILE (same inode), as JSON. */
export function losetupByFileArgv(file: string): string[] {
  return ['losetup', '--list', '--json', '--output', 'NAME,BACK-FILE', '--associated', file];
}

/** Every loop device and its backing file, as JSON (read-only listing). */
export function losetupListArgv(): string[] {
  return ['losetup', '--list', '--json', '--output', 'NAME,BACK-FILE'];
}

/** A private tmpfs for one run: only root reads it, no devices or programs on it. */
export function mountTmpfsArgv(mountpoint: string, bytes: number): string[] {
  return [
    'mount',
    '-t',
    'tmpfs',
    '-o',
    `size=${bytes},mode=0700,nosuid,nodev,noexec`,
    'fsto-devices',
    mountpoint,
  ];
}

export function umountArgv(mountpoint: string): string[] {
  return ['umount', mountpoint];
}

/** What is mounted exactly at mountpoint (exit 1 when nothing is). */
export function findmntAtArgv(mountpoint: string): string[] {
  return ['findmnt', '--json', '--mountpoint', mountpoint, '--output', 'TARGET,FSTYPE,SOURCE'];
}

/** All mounts, with the device each comes from. */
export function findmntAllArgv(): string[] {
  return ['findmnt', '--json', '--list', '--output', 'SOURCE,TARGET'];
}

/** Low-level probe for a filesystem or partition table (exit 2 when there is none). */
export function blkidProbeArgv(device: string): string[] {
  return ['blkid', '--probe', '--output', 'export', device];
}

/** Device names from `losetup --list --json` output. */
export function parseLosetupJson(stdout: string): { name: string; backFile: string }[] {
  if (!stdout.trim()) return [];
  const parsed = JSON.parse(stdout) as { loopdevices?: { name: string; 'back-file'?: string | null }[] };
  return (parsed.loopdevices ?? []).map((l) => ({ name: l.name, backFile: l['back-file'] ?? '' }));
}

/** SOURCE → TARGETs from `findmnt --json --list`; btrfs sources carry a `[/subvol]` suffix. */
export function parseFindmntSources(stdout: string): Map<string, string[]> {
  const out = new Map<string, string[]>();
  if (!stdout.trim()) return out;
  const parsed = JSON.parse(stdout) as { filesystems?: { source?: string; target?: string }[] };
  for (const fs of parsed.filesystems ?? []) {
    if (!fs.source || !fs.target) continue;
    const source = fs.source.replace(/\[.*\]$/, '');
    out.set(source, [...(out.get(source) ?? []), fs.target]);
  }
  return out;
}
