import { mkdtemp, rm, mkdir } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { deviceDeps, planOnHost } from '../activities/devices/activities';
import { releaseDeviceRun } from '../activities/devices/release';
import { setupDevices } from '../activities/devices/setup';
import { runOk } from '../activities/process';
import { GiB, parseSize, profileDevices, type DeviceProfileName } from '../common/schemas';

// Setup + release time of each profile, on disk and on tmpfs, as a ratio against the plain way
// (truncate + losetup --find, then losetup -d + rm) doing the same in the same process.
// Run: npx tsx bench/devices.ts [rounds]. As root; writes nothing into the files.

const rounds = Number(process.argv[2] ?? 5);
const profiles: DeviceProfileName[] = ['fstests_default', 'fstests_small', 'fstests_large'];

async function baseline(dir: string, sizes: number[], tmpfs: boolean): Promise<number> {
  const t0 = performance.now();
  const mp = join(dir, 'tmpfs');
  if (tmpfs) {
    await mkdir(mp, { recursive: true });
    await runOk(['mount', '-t', 'tmpfs', '-o', `size=${sizes.reduce((a, b) => a + b, 0)}`, 'bench', mp]);
  }
  const devs: [string, string][] = [];
  for (const [i, size] of sizes.entries()) {
    const file = join(tmpfs ? mp : dir, `b${i}.img`);
    await runOk(['truncate', '--size', String(size), file]);
    devs.push([(await runOk(['losetup', '--find', '--show', file])).trim(), file]);
  }
  for (const [dev, file] of devs.reverse()) {
    await runOk(['losetup', '--detach', dev]);
    await rm(file);
  }
  if (tmpfs) await runOk(['umount', mp]);
  return performance.now() - t0;
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

const dir = await mkdtemp(join(tmpdir(), 'fsto-bench-devices-'));
// The bench writes nothing into the sparse files, so it lifts the tmpfs budget to the 50 GiB limit
// (a real host allows half its memory); profiles over that limit are refused and shown as such.
const deps = deviceDeps({ stateDir: dir, tmpfsBudgetBytes: 50 * GiB, audit: async () => undefined });
console.log(`fsto devices bench: ${rounds} rounds each, median ms of setup+release (7 devices)`);
console.log('profile          where   fsto     plain    ratio');
try {
  for (const profile of profiles) {
    for (const useTmpfs of [false, true]) {
      const where = useTmpfs ? 'tmpfs' : 'disk ';
      let plan;
      try {
        plan = await planOnHost(deps, { profile, useTmpfs });
      } catch (err) {
        console.log(`${profile.padEnd(16)} ${where}  refused: ${(err as Error).message.split('\n')[1]}`);
        continue;
      }
      const sizes = profileDevices(profile).map((d) => parseSize(d.size!)!);
      const ours: number[] = [];
      const plain: number[] = [];
      for (let r = 0; r < rounds; r++) {
        // Interleaved, so both see the same host load.
        const t0 = performance.now();
        await setupDevices(deps, { runKey: `bench-${r}`, plan });
        await releaseDeviceRun(deps, `bench-${r}`);
        ours.push(performance.now() - t0);
        plain.push(await baseline(dir, sizes, useTmpfs));
      }
      const [o, p] = [median(ours), median(plain)];
      console.log(
        `${profile.padEnd(16)} ${where}  ${o.toFixed(0).padStart(5)}   ${p.toFixed(0).padStart(5)}   ${(o / p).toFixed(2)}×`,
      );
    }
  }
} finally {
  await rm(dir, { recursive: true, force: true });
}
