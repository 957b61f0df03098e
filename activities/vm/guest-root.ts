import { createHash, randomBytes } from 'node:crypto';
import {
  chmod,
  lstat,
  mkdir,
  readdir,
  readFile,
  readlink,
  rename,
  rm,
  stat,
  symlink,
  writeFile,
} from 'node:fs/promises';
import { join } from 'node:path';

// The root a qemu guest boots (docs/architecture.md, What the guest can read and write): the
// host's system directories read-only (their own 9p shares), and a skeleton made here that holds
// the rest — a generated /etc without secrets, empty /var, /root, /home, /srv, /opt. Everything
// else on the host (/root, /home, /var/lib/…, /etc/shadow, ssh keys, tokens) is not in it.

/** Top-level host entries the guest gets: a directory goes in as a read-only share, a symlink
 * (merged /usr: bin → usr/bin) is copied as a symlink. */
export const SYSTEM_DIRS = ['usr', 'bin', 'sbin', 'lib', 'lib32', 'lib64', 'libx32'];

/** /etc entries copied from the host (files, directories, symlinks), as far as they exist and
 * are world-readable: what the guest's tools and fstests read. No shadow, gshadow, ssh, ssl keys,
 * sudoers, subuid, cron, apt or anything that holds a credential or a host's private settings. */
export const ETC_COPIED = [
  'alternatives', 'bash.bashrc', 'bindresvport.blacklist', 'debian_version', 'e2scrub.conf',
  'environment', 'ethertypes', 'gai.conf', 'host.conf', 'inputrc', 'keyutils', 'ld.so.cache',
  'ld.so.conf', 'ld.so.conf.d', 'locale.alias', 'localtime', 'login.defs', 'lvm/lvm.conf', 'magic',
  'magic.mime', 'mke2fs.conf', 'modprobe.d', 'netconfig', 'networks', 'nsswitch.conf', 'os-release',
  'pam.conf', 'pam.d', 'profile', 'profile.d', 'protocols', 'quotagrpadmins', 'quotatab',
  'request-key.conf', 'request-key.d', 'rpc', 'security/limits.conf', 'security/limits.d',
  'security/pam_env.conf', 'security/namespace.conf', 'security/access.conf', 'security/group.conf',
  'security/time.conf', 'services', 'shells', 'sysctl.conf', 'sysctl.d', 'terminfo', 'timezone',
  'udev', 'warnquota.conf', 'xattr.conf',
]; // prettier-ignore

/** Skeleton entries: [path, kind, mode, content | link target]. */
export type RootEntry = [string, 'dir' | 'file' | 'symlink', number, string | Buffer];

/** passwd/group with the password field blanked to `*`: no hash, and not "shadowed" (`x`), so
 * PAM's account check (su to fstests' fsgqa users) does not look for a shadow file. */
export const withoutHashes = (text: string) =>
  text
    .split('\n')
    .filter((l) => l.trim() && !l.startsWith('#') && !l.startsWith('+') && !l.startsWith('-'))
    .map((l) =>
      l
        .split(':')
        .map((f, i) => (i === 1 ? '*' : f))
        .join(':'),
    )
    .join('\n') + '\n';

const GENERATED: RootEntry[] = [
  ['etc/hostname', 'file', 0o644, 'fsto-guest\n'],
  ['etc/hosts', 'file', 0o644, '127.0.0.1\tlocalhost\n127.0.1.1\tfsto-guest\n::1\tlocalhost ip6-localhost ip6-loopback\n'],
  ['etc/fstab', 'file', 0o644, ''],
  ['etc/mtab', 'symlink', 0, '../proc/self/mounts'],
  ['etc/resolv.conf', 'file', 0o644, ''],
]; // prettier-ignore

const DIRS: [string, number][] = [
  ['etc', 0o755], ['etc/lvm', 0o755], ['etc/security', 0o755], ['var', 0o755], ['var/tmp', 0o1777],
  ['var/lib', 0o755], ['var/log', 0o755], ['var/cache', 0o755], ['var/spool', 0o755], ['root', 0o700],
  ['home', 0o755], ['srv', 0o755], ['opt', 0o755], ['tmp', 0o1777], ['mnt', 0o755], ['run', 0o755],
  ['proc', 0o555], ['sys', 0o555], ['dev', 0o755], ['media', 0o755],
]; // prettier-ignore

async function copied(host: string, rel: string, out: RootEntry[]): Promise<void> {
  const path = join(host, rel);
  const s = await lstat(path).catch(() => undefined);
  if (!s) return;
  if (s.isSymbolicLink()) out.push([rel, 'symlink', 0, await readlink(path)]);
  else if (!(s.mode & 0o004))
    return; // not world-readable: never copied
  else if (s.isFile()) out.push([rel, 'file', s.mode & 0o777, await readFile(path)]);
  else if (s.isDirectory()) {
    out.push([rel, 'dir', s.mode & 0o777, '']);
    for (const name of (await readdir(path)).sort()) await copied(host, join(rel, name), out);
  }
}

/** What the skeleton holds for this host (hostRoot: '/' but for tests), and which system dirs
 * are real directories (shared) rather than symlinks (copied). */
export async function guestRootPlan(hostRoot = '/'): Promise<{ entries: RootEntry[]; shared: string[] }> {
  const entries: RootEntry[] = DIRS.map(([p, m]) => [p, 'dir', m, '']);
  const shared: string[] = [];
  for (const d of SYSTEM_DIRS) {
    const s = await lstat(join(hostRoot, d)).catch(() => undefined);
    if (s?.isSymbolicLink()) entries.push([d, 'symlink', 0, await readlink(join(hostRoot, d))]);
    else if (s?.isDirectory()) {
      shared.push(d);
      entries.push([d, 'dir', 0o755, '']);
    }
  }
  for (const [f, name] of [
    ['passwd', 'etc/passwd'],
    ['group', 'etc/group'],
  ] as const) {
    const text = await readFile(join(hostRoot, 'etc', f), 'utf8').catch(
      () => 'root:x:0:0:root:/root:/bin/sh\n',
    );
    entries.push([name, 'file', 0o644, withoutHashes(text)]);
  }
  for (const rel of ETC_COPIED) await copied(hostRoot, join('etc', rel), entries);
  entries.push(...GENERATED);
  entries.push(['var/run', 'symlink', 0, '../run'], ['var/lock', 'symlink', 0, '../run/lock']);
  return { entries, shared };
}

const digest = (entries: RootEntry[]) => {
  const h = createHash('sha256');
  for (const [p, k, m, c] of entries) h.update(`${p}\0${k}\0${m}\0`).update(c).update('\0');
  return h.digest('hex').slice(0, 16);
};

/** Write the skeleton under cacheDir (content-addressed: built once, shared by every VM that
 * needs the same one); returns its path and the system dirs to share. */
export async function guestRoot(
  cacheDir: string,
  hostRoot = '/',
): Promise<{ dir: string; shared: string[] }> {
  const { entries, shared } = await guestRootPlan(hostRoot);
  const dir = join(cacheDir, `guest-root-${digest(entries)}`);
  if (await stat(dir).catch(() => undefined)) return { dir, shared };
  await mkdir(cacheDir, { recursive: true, mode: 0o700 });
  const tmp = `${dir}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`;
  await mkdir(tmp, { mode: 0o755 });
  for (const [p, kind, mode, content] of entries) {
    const at = join(tmp, p);
    if (kind === 'dir') await mkdir(at, { recursive: true, mode });
    else if (kind === 'symlink') await symlink(content.toString(), at);
    else await writeFile(at, content, { mode });
  }
  // Modes as planned (mkdir and writeFile apply the umask).
  for (const [p, kind, mode] of entries) if (kind !== 'symlink') await chmod(join(tmp, p), mode);
  await rename(tmp, dir).catch(async (e: NodeJS.ErrnoException) => {
    await rm(tmp, { recursive: true, force: true });
    if (e.code !== 'ENOTEMPTY' && e.code !== 'EEXIST') throw e; // another boot built it first
  });
  return { dir, shared };
}
