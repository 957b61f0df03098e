import { open, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { planOnHost } from '../../activities/devices/activities';
import { resolveHeld } from '../../activities/devices/resolve-held';
import { setupDevices } from '../../activities/devices/setup';
import { Ledger } from '../../activities/ledger/ledger';
import { runOk } from '../../activities/process';
import type { HeldDevices } from '../../common/schemas';
import { testState, type TestState } from '../../kit/devices';

// Devices by backing file, not by number: the trial of a reboot between two batches. Run A holds
// two loop devices; they are detached (the reboot; a STAND-IN: losetup -d, as a reboot would
// leave them); run B is set up meanwhile and is given free numbers — the kernel's lowest, so
// usually A's old ones. A's next batch resolves its devices (resolveHeld, what runTestBatch does
// before it boots the VM) and writes through them (dd: a STAND-IN for the guest's mkfs). The
// oracle is the backing files' bytes: A's writes are in A's files, B's files keep B's marks.
describe("a run's loop devices detached between batches, another run's attached meanwhile", () => {
  let s: TestState;
  beforeAll(async () => {
    s = await testState();
  });
  afterAll(async () => {
    await s?.cleanup();
  });
  const spec = {
    devices: [
      { name: 'test', size: '8M', envVar: 'TEST_DEV' },
      { name: 'scratch', size: '8M', envVar: 'SCRATCH_DEV' },
    ],
  };
  const file = (run: string, name: string) => join(s.stateDir, 'runs', run, 'devices', `${name}.img`);
  const mark = async (path: string, text: string) => {
    const fh = await open(path, 'r+');
    try {
      await fh.write(Buffer.from(text.padEnd(64, '.')), 0, 64, 0);
      await fh.sync();
    } finally {
      await fh.close();
    }
  };
  const head = async (path: string) => (await readFile(path)).subarray(0, 64).toString().replace(/\.+$/, '');

  it('re-attaches its own files and never touches the other run through an old number', async () => {
    const plan = await planOnHost(s.deps, spec);
    const a: HeldDevices = await setupDevices(s.deps, { runKey: 'run-a', plan });
    for (const d of a.devices) await mark(d.hostPath, `A ${d.name} batch 1`);
    for (const d of a.devices) await runOk(['losetup', '--detach', d.hostPath]); // the "reboot"
    const b = await setupDevices(s.deps, { runKey: 'run-b', plan });
    for (const d of b.devices) await mark(d.hostPath, `B ${d.name}`);
    const reused = a.devices.filter((d) => b.devices.some((x) => x.hostPath === d.hostPath)).length;
    console.log(`run B was given ${reused} of run A's old numbers`);

    const ledger = new Ledger(join(s.stateDir, 'ledger'));
    const again = await resolveHeld({ ledger, stateDir: s.stateDir }, 'run-a', a);
    for (const [i, d] of again.devices.entries()) {
      expect(d.hostPath).not.toBe(b.devices[i]!.hostPath);
      const back = (await runOk(['cat', `/sys/block/${d.hostPath.slice(5)}/loop/backing_file`])).trim();
      expect(back).toBe(file('run-a', d.name));
      await mark(d.hostPath, `A ${d.name} batch 2`);
    }
    // The ledger knows the new numbers (the reaper finds them by file anyway).
    const entries = (await ledger.list('run-a')).filter((e) => e.kind === 'loop').map((e) => e.data.device);
    expect(entries.sort()).toEqual(again.devices.map((d) => d.hostPath).sort());

    for (const name of ['test', 'scratch']) {
      expect(await head(file('run-a', name))).toBe(`A ${name} batch 2`);
      expect(await head(file('run-b', name))).toBe(`B ${name}`);
    }
    // A second resolution finds them attached: no new device.
    expect((await resolveHeld({ ledger, stateDir: s.stateDir }, 'run-a', again)).devices).toEqual(
      again.devices,
    );
  });
});
