import { copyFile, readFile, rm, truncate, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { rawVngArgv } from '../../kit/overhead-raw';
import { listKernels } from '../../activities/host/kernel';
import { run } from '../../activities/process';
import { vngBin } from '../../activities/settings';
import { Vm } from '../../activities/vm/vm';
import { compareRecords, parseRecord, RECORDER } from './env-record';
import { vmFixture } from './helpers';

// The environment a command gets in an fsto guest (the agent's exec path: the one `check`, the
// listing, the preparation and fsto shell's shell take) against a by-hand `vng --exec`, as the
// project's by-hand reference runs it (kit/overhead-raw.ts: --disable-kvm, 2 CPUs, 2 GiB, the
// TCG relaxations, one raw disk), field by field (common/record-env; allowlist in env-record.ts).
// The reference is vng itself, not our code: a new difference of this class fails here.
describe('process and system environment: fsto guest vs by hand under vng', () => {
  let f: Awaited<ReturnType<typeof vmFixture>> | undefined;
  let vm: Vm | undefined;
  afterAll(async () => {
    await vm?.stop();
    if (f) await rm(f.root, { recursive: true, force: true });
  });

  it('records the same signals, rlimits, umask, env, tty, session, cgroup, sysctls, mounts, udev paths and daemons', async () => {
    f = await vmFixture('guest-env');
    const kernel = (await listKernels())[0];
    expect(kernel, 'needs a /boot/vmlinuz-*').toBeTruthy();
    // In the share both sides mount: the fsto guest does not see this checkout (its root is its own).
    const recorder = join(f.rw, 'record-env');
    await copyFile(RECORDER, recorder);
    const handOut = join(f.rw, 'hand.env');
    const fstoOut = join(f.rw, 'fsto.env');

    const byHand = async () => {
      const disk = join(f!.root, 'hand.img');
      await writeFile(disk, '');
      await truncate(disk, 64 * 2 ** 20);
      const argv = rawVngArgv({
        kernel: kernel!,
        loops: [disk],
        rwdir: f!.rw,
        exec: `sh ${recorder} ${handOut}`,
      });
      // From /, as vng checks --rwdir relative to the cwd; vng calls virtme-run from PATH.
      const r = await run(argv, {
        cwd: '/',
        env: { PATH: `${dirname(vngBin())}:/usr/sbin:/usr/bin:/sbin:/bin` },
        timeoutMs: 600_000,
      });
      expect(r.exitCode, r.stdout + r.stderr).toBe(0);
    };
    const inFsto = async () => {
      vm = await Vm.boot(
        {
          runKey: 'guest-env-e2e',
          spec: {
            backend: 'qemu',
            accel: 'tcg',
            cpus: 2,
            memoryMiB: 2048,
            disks: [{ path: f!.disks[0]! }],
            shares: [{ hostPath: f!.rw, tag: 'rec', readonly: false, mountPoint: f!.rw }],
          },
        },
        f!.deps,
      );
      console.log(`[guest-env] fsto guest boot-to-ready ${vm.bootSeconds.toFixed(1)}s`);
      const r = await vm.exec(['sh', recorder, fstoOut], { timeoutSec: 300 });
      expect(r.exitCode, r.stderrTail).toBe(0);
      await vm.stop();
    };
    await Promise.all([byHand(), inFsto()]);

    const hand = parseRecord(await readFile(handOut, 'utf8'));
    const fsto = parseRecord(await readFile(fstoOut, 'utf8'));
    // The recorder worked on both sides (an empty record would compare equal).
    for (const key of [
      'sig.SigIgn',
      'sig.SigBlk',
      'limit.open_files',
      'umask',
      'env.PATH',
      'tty',
      'mount./proc',
    ])
      for (const [side, rec] of [
        ['hand', hand],
        ['fsto', fsto],
      ] as const)
        expect(rec.get(key), `${side} record lacks ${key}`).toBeTruthy();
    const diffs = compareRecords(hand, fsto);
    if (diffs.length)
      console.log(diffs.map((d) => `${d.key}: by hand ${d.hand} | fsto ${d.fsto}`).join('\n'));
    expect(diffs).toEqual([]);
  }, 900_000);
});
