import { deviceDeps, planOnHost } from '../../activities/devices/activities';
import { setupDevices } from '../../activities/devices/setup';
import { GiB } from '../../common/schemas';

// Child process for the SIGKILL test: sets up a run's devices and prints one line per device,
// so the parent can kill it half way. argv: <stateDir> <runKey>.
const [stateDir, runKey] = process.argv.slice(2);
const deps = deviceDeps({ stateDir: stateDir!, tmpfsBudgetBytes: 50 * GiB });
// Disk and tmpfs devices mixed, so the reaper has loop devices, files and a mount to release.
const plan = await planOnHost(deps, {
  devices: [
    { name: 'test', size: '1G', envVar: 'TEST_DEV' },
    ...[1, 2, 3, 4, 5].map((i) => ({
      name: `pool${i}`,
      size: '1G',
      envVar: 'SCRATCH_DEV_POOL',
      useTmpfs: i % 2 === 0,
    })),
    { name: 'logwrites', size: '1G', envVar: 'LOGWRITES_DEV', useTmpfs: true },
  ],
});
await setupDevices(
  deps,
  { runKey: runKey!, plan },
  {
    heartbeat: (d) => {
      console.log(`progress ${d.done}`); // a pipe: written synchronously on Linux
      // Half way: block here (event loop included) until the parent's SIGKILL arrives.
      if (d.done === 4) Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 60_000);
    },
  },
);
console.log('done');
