import {
  chmod,
  lstat,
  mkdir,
  mkdtemp,
  readdir,
  readFile,
  readlink,
  rm,
  symlink,
  writeFile,
} from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { guestRoot, withoutHashes } from '../../activities/vm/guest-root';

// The guest root's skeleton, built from a fake host root (a tmp dir laid out like a Debian /):
// what a secret-holding host puts in /etc, /root, /home and /var must not be in it. The oracle is
// the planted secret's bytes, searched in every file of the skeleton.
const SECRET = 'fsto-guest-root-secret';
let host: string;
let cache: string;

/** Every regular file under base (links not followed), by its path inside base. */
async function filesUnder(
  base: string,
  dir = base,
  out = new Map<string, string>(),
): Promise<Map<string, string>> {
  for (const e of await readdir(dir, { withFileTypes: true })) {
    const p = join(dir, e.name);
    if (e.isDirectory()) await filesUnder(base, p, out);
    else if (e.isFile()) out.set(p.slice(base.length), await readFile(p, 'utf8'));
  }
  return out;
}

beforeEach(async () => {
  host = await mkdtemp(join(tmpdir(), 'fsto-fakehost-'));
  cache = await mkdtemp(join(tmpdir(), 'fsto-grcache-'));
  const put = async (p: string, text: string, mode = 0o644) => {
    await mkdir(join(host, p, '..'), { recursive: true });
    await writeFile(join(host, p), text);
    await chmod(join(host, p), mode);
  };
  await mkdir(join(host, 'usr/bin'), { recursive: true });
  await symlink('usr/bin', join(host, 'bin'));
  await mkdir(join(host, 'lib64')); // a real dir (not merged): shared, not copied
  await put(
    'etc/passwd',
    `root:$6$${SECRET}hash:0:0:root:/root:/bin/bash\nfsgqa:x:1001:1001::/home/fsgqa:/bin/sh\n`,
  );
  await put('etc/group', `root:x:0:\nfsgqa:${SECRET}:1001:\n`);
  await put('etc/shadow', `root:$6$${SECRET}:19000:0:99999:7:::\n`, 0o640);
  await put('etc/gshadow', `root:${SECRET}::\n`, 0o640);
  await put('etc/ssh/ssh_host_ed25519_key', SECRET, 0o600);
  await put('etc/planted.conf', SECRET); // world-readable, but no guest tool needs it
  await put('etc/pam.d/su', 'auth sufficient pam_rootok.so\n');
  await put('etc/pam.d/private', SECRET, 0o600); // in a copied dir, but root-only
  await put('etc/security/opasswd', SECRET, 0o600);
  await put('etc/mke2fs.conf', '[defaults]\n');
  await symlink('/usr/share/zoneinfo/Etc/UTC', join(host, 'etc/localtime'));
  await put('root/.ssh/id_ed25519', SECRET, 0o600);
  await put('home/u/token', SECRET);
  await put('var/lib/fsto-cluster/pgpass', SECRET, 0o600);
});
afterEach(async () => {
  await rm(host, { recursive: true, force: true });
  await rm(cache, { recursive: true, force: true });
});

describe('guest root skeleton', () => {
  it("holds none of the host's secrets, and what the guest's tools read", async () => {
    const { dir, shared } = await guestRoot(cache, host);
    const files = await filesUnder(dir);
    for (const [p, text] of files) expect(text, p).not.toContain(SECRET);
    for (const gone of [
      '/etc/shadow',
      '/etc/gshadow',
      '/etc/ssh',
      '/etc/planted.conf',
      '/etc/pam.d/private',
      '/etc/security/opasswd',
    ])
      await expect(lstat(join(dir, gone)), gone).rejects.toThrow(/ENOENT/);
    expect(await readdir(join(dir, 'root'))).toEqual([]);
    expect(await readdir(join(dir, 'home'))).toEqual([]);
    expect(await readdir(join(dir, 'var/lib'))).toEqual([]);
    // Users carried (fstests' fsgqa), password fields blanked; tool config and links kept.
    expect(files.get('/etc/passwd')).toBe(
      'root:*:0:0:root:/root:/bin/bash\nfsgqa:*:1001:1001::/home/fsgqa:/bin/sh\n',
    );
    expect(files.get('/etc/group')).toBe('root:*:0:\nfsgqa:*:1001:\n');
    expect(files.get('/etc/pam.d/su')).toBe('auth sufficient pam_rootok.so\n');
    expect(files.get('/etc/mke2fs.conf')).toBe('[defaults]\n');
    expect(files.get('/etc/fstab')).toBe('');
    expect(await readlink(join(dir, 'etc/localtime'))).toBe('/usr/share/zoneinfo/Etc/UTC');
    expect(await readlink(join(dir, 'etc/mtab'))).toBe('../proc/self/mounts');
    expect(await readlink(join(dir, 'bin'))).toBe('usr/bin');
    expect(shared).toEqual(['usr', 'lib64']);
    expect((await lstat(join(dir, 'root'))).mode & 0o777).toBe(0o700);
    expect((await lstat(join(dir, 'tmp'))).mode & 0o7777).toBe(0o1777);
  });

  it('is content-addressed: the same host gives the same dir, a changed /etc a new one', async () => {
    const a = await guestRoot(cache, host);
    expect((await guestRoot(cache, host)).dir).toBe(a.dir);
    await writeFile(join(host, 'etc/passwd'), 'root:x:0:0:root:/root:/bin/sh\n');
    const b = await guestRoot(cache, host);
    expect(b.dir).not.toBe(a.dir);
    expect(await readFile(join(b.dir, 'etc/passwd'), 'utf8')).toBe('root:*:0:0:root:/root:/bin/sh\n');
    expect((await readdir(cache)).filter((n) => n.endsWith('.tmp'))).toEqual([]);
  });

  it('blanks password fields and drops comments and NIS lines', () => {
    expect(withoutHashes('# c\nroot:$y$j9T$abc:0:0::/root:/bin/sh\n+::::::\n\n')).toBe(
      'root:*:0:0::/root:/bin/sh\n',
    );
  });
});
