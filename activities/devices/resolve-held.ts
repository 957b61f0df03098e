import { existsSync } from 'node:fs';
import { basename } from 'node:path';
import type { HeldDevices } from '../../common/schemas';
import type { Audit } from '../audit';
import type { Ledger } from '../ledger/ledger';
import { run } from '../process';
import { losetupAttachArgv } from './argv';
import { loopDevicesOf, ownPath } from './release';
import type { Exec } from './validate';

// A run keeps its devices across batches, retries and host reboots, but a /dev/loopN number is
// only the kernel's name of the moment: detached (a reboot, someone's losetup -d), the number may
// be given to another run's file. So before every use a loop device is found again by its backing
// file (losetup -j FILE, by inode) and, when no device holds that file any more, attached anew
// and recorded; the number the run was given is never used as such.

export class DeviceGone extends Error {}

export async function resolveHeld(
  deps: { ledger: Ledger; stateDir: string; exec?: Exec; audit?: Audit },
  runKey: string,
  held: HeldDevices,
): Promise<HeldDevices> {
  const exec = deps.exec ?? run;
  const loops = (await deps.ledger.list(runKey)).filter((e) => e.kind === 'loop');
  const byName = new Map(loops.map((e) => [basename(String(e.data.backingFile), '.img'), e]));
  const devices = [];
  for (const d of held.devices) {
    const entry = byName.get(d.name);
    if (!entry) {
      devices.push(d); // a block device given by path: the run never owned a number for it
      continue;
    }
    const file = ownPath(entry, 'backingFile', deps.stateDir);
    if (!existsSync(file))
      throw new DeviceGone(
        `device "${d.name}": its backing file ${file} is gone (a tmpfs device after a reboot?); the run cannot go on with its data`,
      );
    let device = (await loopDevicesOf(file, exec))[0];
    if (!device) {
      const res = await exec(losetupAttachArgv(file, Boolean(entry.data.readonly)));
      if (res.exitCode !== 0) throw new Error(`losetup ${file}: ${res.stderr.trim()}`);
      device = res.stdout.trim();
      await deps.ledger.update(entry, { device });
      await deps.audit?.({
        action: 'create',
        kind: 'loop',
        runKey,
        device,
        backingFile: file,
        was: d.hostPath,
      });
    }
    devices.push({ ...d, hostPath: device });
  }
  return { ...held, devices };
}
