import { createHash } from 'node:crypto';
import { execFileSync } from 'node:child_process';
import { copyFile, mkdir, mkdtemp, readdir, readFile, readlink, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeEach, describe, expect, it } from 'vitest';
import { Beneath } from '../../activities/beneath';
import { finishRun } from '../../activities/results/finish';
import { BatchJournal } from '../../activities/verdicts/journal';
import { KernelError, listKernels, resolveKernel } from '../../activities/host/kernel';

// Hostile paths: the host (root) reading and writing where someone else decides what a name is.
// A kernel tree's modules.order, and the results share a guest writes. The guest here is a
// STAND-IN: its links are planted in the results dir by this test before the host code runs
// (test/e2e/hostile-guest.test.ts has a real guest plant them mid-run). The oracle: canary files
// outside the run dir, hashed before and after, and the secret's bytes in no copy.

let canary: string; // host files a hostile guest or tree points at
const SECRET = 'fsto-hostile-paths-secret';
const hashes = async (dir = canary) => {
  const out: Record<string, string> = {};
  for (const e of await readdir(dir, { withFileTypes: true })) {
    const p = join(dir, e.name);
    if (e.isDirectory()) Object.assign(out, await hashes(p));
    else
      out[p] = createHash('sha256')
        .update(await readFile(p))
        .digest('hex');
  }
  return out;
};
/** Every regular file under dir (links not followed) whose bytes hold the secret. */
async function holdingSecret(dir: string): Promise<string[]> {
  const out: string[] = [];
  for (const e of await readdir(dir, { withFileTypes: true }).catch(() => [])) {
    const p = join(dir, e.name);
    if (e.isDirectory()) out.push(...(await holdingSecret(p)));
    else if (e.isFile() && (await readFile(p, 'latin1')).includes(SECRET)) out.push(p);
  }
  return out;
}

beforeEach(async () => {
  canary = await mkdtemp(join(tmpdir(), 'fsto-canary-'));
  await writeFile(join(canary, 'secret'), `${SECRET}\n`);
  await writeFile(join(canary, 'journal'), '{"name":"x/001","verdict":"pass","durationSec":1}\n');
  await writeFile(join(canary, 'passwd'), 'root:x:0:0::/root:/bin/bash\n');
  await mkdir(join(canary, 'generic'));
  await writeFile(join(canary, 'generic', '001.out.bad'), `${SECRET} (in a linked dir)\n`);
  await writeFile(join(canary, 'generic', '001.full'), `${SECRET} (in a linked dir)\n`);
});

describe('a kernel tree whose modules.order leaves the tree', () => {
  /** A tree with the host's bzImage and the given modules.order (nothing else is needed to refuse). */
  const tree = async (order: string) => {
    const dir = await mkdtemp(join(tmpdir(), 'fsto-ktree-'));
    await mkdir(join(dir, 'arch/x86/boot'), { recursive: true });
    await copyFile((await listKernels())[0]!, join(dir, 'arch/x86/boot/bzImage'));
    await writeFile(join(dir, 'modules.order'), order);
    return dir;
  };

  for (const entry of [
    '../../../CANARY/secret',
    'kernel/../../CANARY/secret',
    '/CANARY/secret',
    'fs/../../x.ko',
  ])
    it(`is refused, naming the entry: ${entry}`, async () => {
      const before = await hashes();
      const line = entry.replace('CANARY', canary.slice(1));
      const dir = await tree(`fs/xfs/xfs.ko\n${line}\n`);
      const cache = await mkdtemp(join(tmpdir(), 'fsto-cache-'));
      const err = await resolveKernel(dir, cache).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(KernelError);
      expect((err as Error).message).toContain(
        `lists "${line.replace(/^kernel\//, '').replace(/\.o$/, '.ko')}"`,
      );
      expect((err as Error).message).toMatch(/outside the tree .* fix modules\.order/);
      expect(await readdir(cache)).toEqual([]); // refused before anything was made
      expect(await hashes()).toEqual(before);
    });

  it('refuses a module that is a link (to a host file) and does not copy a linked modinfo', async () => {
    const dir = await tree('fs/evil.ko\n');
    await mkdir(join(dir, 'fs'));
    await symlink(join(canary, 'secret'), join(dir, 'fs/evil.ko'));
    const cache = await mkdtemp(join(tmpdir(), 'fsto-cache-'));
    await expect(resolveKernel(dir, cache)).rejects.toThrow(/fs\/evil\.ko: evil\.ko is a symbolic link/);
    expect(await holdingSecret(cache)).toEqual([]);

    const ok = await tree('');
    await symlink(join(canary, 'secret'), join(ok, 'modules.builtin.modinfo'));
    await symlink(join(canary, 'passwd'), join(ok, 'modules.builtin'));
    const k = await resolveKernel(ok, cache);
    expect(k.kind).toBe('tree');
    expect(await holdingSecret(cache)).toEqual([]);
    expect(await readFile(join(k.modulesDir!, 'modules.builtin'), 'utf8')).not.toContain('root:');
  });
});

describe('a results share with links planted by a guest (stand-in)', () => {
  let results: string;
  beforeEach(async () => {
    results = join(await mkdtemp(join(tmpdir(), 'fsto-run-')), 'results');
    await mkdir(join(results, 'main-1', 'fsto', 'xfs'), { recursive: true });
  });

  it('the journal: removes the links, never writes or reads through them', async () => {
    const before = await hashes();
    await symlink(join(canary, 'journal'), join(results, 'main-1.results.jsonl'));
    await symlink(join(canary, 'secret'), join(results, 'main-1.listing.json'));
    const j = new BatchJournal(results, 'main-1');
    expect((await j.finished()).size).toBe(0); // the canary's line is not read
    expect(await j.listing()).toBeUndefined();
    j.record({ name: 'x/002', verdict: 'fail', durationSec: 2 });
    await expect(j.flush()).rejects.toThrow(/main-1\.results\.jsonl: .* symbolic link .* not followed/);
    await expect(j.saveListing(['x/001'])).rejects.toThrow(/symbolic link/);
    await j.reset(); // a first attempt: the links go, their targets stay
    await expect(readlink(join(results, 'main-1.results.jsonl'))).rejects.toThrow(/ENOENT/);
    expect(await hashes()).toEqual(before);
  });

  it('the copies out: artifacts, console logs and report dirs behind links are not read', async () => {
    const before = await hashes();
    const report = join(results, 'main-1', 'fsto');
    await mkdir(join(report, 'xfs'), { recursive: true });
    await symlink(join(canary, 'secret'), join(report, 'xfs', '001.full'));
    await writeFile(join(report, 'xfs', '001.out.bad'), 'a real mismatch\n');
    execFileSync('mkfifo', [join(report, 'xfs', '001.dmesg')]); // would block a plain read forever
    await symlink(canary, join(report, 'generic')); // a whole report subdir, elsewhere
    await symlink(join(canary, 'secret'), join(results, 'main-1', 'xfs-002.console.log'));
    await symlink(canary, join(results, 'main-2')); // a "batch dir" that is a host dir
    const out = await finishRun({
      runKey: 'r',
      resultsDir: results,
      tests: [
        { name: 'xfs/001', verdict: 'fail', durationSec: 1 },
        { name: 'xfs/002', verdict: 'crashed', durationSec: 1 },
        { name: 'generic/001', verdict: 'fail', durationSec: 1 },
      ],
    });
    const runDir = join(results, '..');
    expect(await readFile(join(runDir, 'artifacts', 'xfs', '001', 'out.bad'), 'utf8')).toBe(
      'a real mismatch\n',
    );
    expect(out.artifacts).toBe(1);
    expect(await holdingSecret(runDir)).toEqual([]);
    expect(await hashes()).toEqual(before);
  });

  it('Beneath: refuses .., absolute names outside, links on the way, and FIFOs', async () => {
    const b = new Beneath(results);
    await symlink(canary, join(results, 'up'));
    for (const p of ['../x', join(results, '..', 'x'), '/etc/passwd', 'main-1/../../x', 'a//b'])
      await expect(b.writeFile(p, 'x'), p).rejects.toThrow(/not a path inside/);
    await expect(b.writeFile(join(results, 'up', 'passwd'), 'x')).rejects.toThrow(/up is a symbolic link/);
    await expect(b.mkdirp(join(results, 'up', 'd'))).rejects.toThrow(/up is a symbolic link/);
    await expect(b.readdir(join(results, 'up'))).rejects.toThrow(/symbolic link/);
    await b.rm(join(results, 'up'));
    expect(await readdir(canary)).toContain('passwd');
    execFileSync('mkfifo', [join(results, 'fifo')]);
    await expect(b.writeFile(join(results, 'fifo'), 'x')).rejects.toThrow(/not followed/);
    await expect(b.readText(join(results, 'fifo'))).rejects.toThrow(/not a regular file/);
    await b.mkdirp(join(results, 'main-1', 'a', 'b'));
    await b.appendFile(join(results, 'main-1', 'a', 'b', 'f'), 'one ');
    await b.appendFile(join(results, 'main-1', 'a', 'b', 'f'), 'two');
    expect(await b.readText(join(results, 'main-1', 'a', 'b', 'f'))).toBe('one two');
  });
});
