import { randomBytes } from 'node:crypto';
import { chmod, mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { afterAll, describe, expect, it } from 'vitest';
import { Vm } from '../../activities/vm/vm';
import { vmFixture } from './helpers';

// Hostile-input corpus, the guest reading the host: a real qemu guest (TCG) tries to read
// /etc/shadow and secrets planted on this host where they live in practice — a root-only file in
// /root, a world-readable file in /etc that no guest tool needs, a cluster's database password
// under /var/lib. The oracle is the secrets' bytes: none may appear in anything the guest prints.
// Before the guest had a root of its own (it got the host's / over 9p) every one was readable.
describe('a guest trying to read host secrets', () => {
  const tag = randomBytes(6).toString('hex');
  const planted = {
    [`/root/fsto-planted-${tag}/token`]: 0o600,
    [`/etc/fsto-planted-${tag}.conf`]: 0o644,
    [`/var/lib/fsto-planted-${tag}/pgpass`]: 0o600,
  };
  const secret = `fsto-secret-${tag}`;
  let f: Awaited<ReturnType<typeof vmFixture>> | undefined;
  let vm: Vm | undefined;
  afterAll(async () => {
    await vm?.stop();
    for (const p of Object.keys(planted))
      await rm(p.startsWith('/etc/') ? p : p.replace(/\/[^/]+$/, ''), { recursive: true, force: true });
    if (f) await rm(f.root, { recursive: true, force: true });
  });

  it('reads none of them, and still has what fstests needs (users, su, PAM, mkfs, python)', async () => {
    for (const [p, mode] of Object.entries(planted)) {
      await mkdir(p.replace(/\/[^/]+$/, ''), { recursive: true });
      await writeFile(p, `${secret}\n`);
      await chmod(p, mode);
    }
    const shadow = await readFile('/etc/shadow', 'utf8');
    const hostHashes = shadow
      .split('\n')
      .map((l) => l.split(':')[1] ?? '')
      .filter((h) => h.length > 2);

    f = await vmFixture('guest-root');
    vm = await Vm.boot(
      { runKey: 'guest-root-e2e', spec: { backend: 'qemu', accel: 'tcg', disks: [{ path: f.disks[0]! }] } },
      f.deps,
    );
    const tryRead = [
      ...Object.keys(planted),
      '/etc/shadow',
      '/etc/gshadow',
      '/etc/ssh',
      '/root',
      '/home',
      '/var/lib',
    ];
    // Every way a test would look: ls, cat, a recursive grep of / (less /usr, the one host dir it
    // gets, and the kernel's pseudo filesystems).
    const r = await vm.exec(
      [
        'sh',
        '-c',
        `for p in ${tryRead.join(' ')}; do echo "== $p"; ls -la "$p" 2>&1; cat "$p" 2>&1; done;` +
          ` grep -rs ${secret} / --exclude-dir=proc --exclude-dir=sys --exclude-dir=dev --exclude-dir=usr && echo FOUND-BY-GREP;` +
          ' cat /etc/passwd',
      ],
      { timeoutSec: 600 },
    );
    const out = r.stdoutTail + r.stderrTail;
    expect(out).toContain('== /etc/shadow'); // the script ran
    expect(out).not.toContain(secret);
    expect(out).not.toContain('FOUND-BY-GREP');
    expect(out).toMatch(/cat: \/etc\/shadow: No such file or directory/);
    for (const h of hostHashes) expect(out).not.toContain(h);
    // What fstests relies on still works: its users (carried, without hashes), su to them, mkfs.
    const ok = await vm.exec(
      [
        'sh',
        '-c',
        'id; su -s /bin/sh fsgqa -c id 2>&1 || true; mkfs.ext4 -q -F /dev/vda && echo mkfs-ok;' +
          ' python3 -c "print(\'py-ok\')"; grep -c . /etc/passwd; touch /etc/x /var/tmp/x /root/x && echo writable',
      ],
      { timeoutSec: 300 },
    );
    expect(ok.exitCode, ok.stderrTail).toBe(0);
    expect(ok.stdoutTail).toMatch(/^uid=0\(root\) gid=0\(root\)/);
    expect(ok.stdoutTail).toContain('mkfs-ok');
    expect(ok.stdoutTail).toContain('py-ok');
    expect(ok.stdoutTail).toContain('writable');
    const hostPasswd = await readFile('/etc/passwd', 'utf8');
    if (/^fsgqa:/m.test(hostPasswd)) expect(ok.stdoutTail).toMatch(/uid=\d+\(fsgqa\)/);
    // Nothing the guest wrote reached the host's /etc.
    await expect(readFile('/etc/x')).rejects.toThrow(/ENOENT/);
  }, 900_000);
});
