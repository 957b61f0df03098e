import { existsSync } from 'node:fs';
import { rm, rmdir } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';
import type { Audit } from '../audit';
import { Ledger, type LedgerEntry, type ResourceKind } from '../ledger/ledger';
import { releaseRun, type Releasers } from '../ledger/reaper';
import { run } from '../process';
import {
  findmntAtArgv,
  losetupByFileArgv,
  losetupDetachArgv,
  losetupListArgv,
  parseLosetupJson,
  umountArgv,
} from './argv';
import { runPaths } from './plan';
import type { Exec } from './validate';

// Releasers for the three device kinds. Each is idempotent and acts only on what its ledger
// entry names: a loop device is found by its (unique, per-run) backing file, never by number,
// so a device number the kernel has since handed to someone else is never detached.

export const DEVICE_KINDS: readonly ResourceKind[] = ['loop', 'backing-file', 'tmpfs'];
export const TMPFS_SOURCE = 'fsto-devices';

export interface ReleaseDeps {
  /** Canonical (realpath) state dir: the kernel records canonical backing-file paths. */
  stateDir: string;
  exec?: Exec;
  audit?: Audit;
  sleep?: (ms: number) => Promise<void>;
}

const defaultSleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

/** A path the entry names, checked to lie inside its own run's directory. */
export function ownPath(entry: LedgerEntry, field: string, stateDir: string): string {
  const p = entry.data[field];
  const root = runPaths(stateDir, entry.runKey).runDir + '/';
  if (typeof p !== 'string' || resolve(p) !== p || !p.startsWith(root)) {
    throw new Error(`ledger entry ${entry.id} names ${String(p)} outside ${root}: refusing to touch it`);
  }
  return p;
}

/** Loop devices backed by FILE: by inode while it exists, by its "(deleted)" name after. */
export async function loopDevicesOf(file: string, exec: Exec): Promise<string[]> {
  // Files are removed only once no loop device uses them, so while one exists -j sees them all.
  if (existsSync(file)) {
    const res = await exec(losetupByFileArgv(file));
    if (res.exitCode !== 0) throw new Error(`losetup --associated ${file}: ${res.stderr.trim()}`);
    return parseLosetupJson(res.stdout).map((l) => l.name);
  }
  const all = await exec(losetupListArgv());
  if (all.exitCode !== 0) throw new Error(`losetup --list: ${all.stderr.trim()}`);
  return parseLosetupJson(all.stdout)
    .filter((l) => l.backFile === `${file} (deleted)`)
    .map((l) => l.name);
}

/**
 * `losetup -d`, retried with backoff on EBUSY (udev or blkid may hold the device for a moment
 * after attach); then wait until the kernel has really let go (a busy device is only marked
 * for autoclear and detaches at its last close).
 */
export async function detachLoop(device: string, file: string, deps: ReleaseDeps): Promise<void> {
  const exec = deps.exec ?? run;
  const sleep = deps.sleep ?? defaultSleep;
  for (let attempt = 0, delay = 50; ; attempt++, delay = Math.min(delay * 2, 1000)) {
    const res = await exec(losetupDetachArgv(device));
    if (res.exitCode === 0 || /No such device or address/i.test(res.stderr)) break;
    if (!/busy/i.test(res.stderr) || attempt >= 10) {
      throw new Error(`losetup --detach ${device} exited ${res.exitCode}: ${res.stderr.trim()}`);
    }
    await sleep(delay);
  }
  for (let waited = 0, delay = 20; (await loopDevicesOf(file, exec)).includes(device); waited += delay) {
    if (waited > 10_000)
      throw new Error(`${device} (${file}) is still attached 10 s after detach: something holds it open`);
    await sleep(delay);
    delay = Math.min(delay * 2, 500);
  }
}

async function rmdirIfEmpty(dir: string): Promise<void> {
  await rmdir(dir).catch(() => undefined);
}

export function deviceReleasers(deps: ReleaseDeps): Releasers {
  const exec = deps.exec ?? run;
  const audit = deps.audit ?? (async () => undefined);
  const sleep = deps.sleep ?? defaultSleep;
  return {
    async loop(entry) {
      const file = ownPath(entry, 'backingFile', deps.stateDir);
      for (const device of await loopDevicesOf(file, exec)) {
        await detachLoop(device, file, deps);
        await audit({ action: 'release', kind: 'loop', runKey: entry.runKey, device, backingFile: file });
      }
    },
    async 'backing-file'(entry) {
      const file = ownPath(entry, 'path', deps.stateDir);
      const attached = await loopDevicesOf(file, exec);
      if (attached.length)
        throw new Error(`${file} is still attached to ${attached.join(', ')}: release the loop first`);
      if (existsSync(file)) {
        await rm(file, { force: true });
        await audit({ action: 'release', kind: 'backing-file', runKey: entry.runKey, path: file });
      }
      await rmdirIfEmpty(dirname(file));
    },
    async tmpfs(entry) {
      const mountpoint = ownPath(entry, 'mountpoint', deps.stateDir);
      for (let attempt = 0; ; attempt++) {
        const res = await exec(findmntAtArgv(mountpoint));
        if (res.exitCode !== 0) break; // nothing mounted there
        if (attempt >= 20) throw new Error(`${mountpoint} is still mounted after ${attempt} unmounts`);
        const fs = (JSON.parse(res.stdout) as { filesystems: { fstype: string; source: string }[] })
          .filesystems[0];
        if (fs?.fstype !== 'tmpfs' || fs.source !== TMPFS_SOURCE) {
          throw new Error(
            `${mountpoint} holds a ${fs?.fstype} mount from ${fs?.source} that is not ours: refusing to unmount it`,
          );
        }
        const um = await exec(umountArgv(mountpoint));
        if (um.exitCode === 0) {
          await audit({ action: 'release', kind: 'tmpfs', runKey: entry.runKey, mountpoint });
        } else if (!/busy/i.test(um.stderr) || attempt >= 10) {
          throw new Error(`umount ${mountpoint} exited ${um.exitCode}: ${um.stderr.trim()}`);
        } else await sleep(Math.min(50 * 2 ** attempt, 1000));
      }
      await rmdirIfEmpty(mountpoint);
    },
  };
}

/**
 * Release everything the ledger holds for one run's device kinds (idempotent). Entries of
 * other kinds (VMs, dirs) are left to their own releasers. Throws when a device entry stays.
 */
export async function releaseDeviceRun(deps: ReleaseDeps, runKey: string): Promise<LedgerEntry[]> {
  const p = runPaths(deps.stateDir, runKey);
  const ledger = new Ledger(p.ledgerRoot);
  const report = await releaseRun(ledger, runKey, deviceReleasers(deps));
  const failed = report.failed.filter((f) => DEVICE_KINDS.includes(f.entry.kind));
  await rmdirIfEmpty(p.filesDir);
  if (failed.length) {
    throw new Error(
      `could not release ${failed.length} device resource(s) of ${runKey}:\n${failed.map((f) => `${f.entry.kind}: ${f.error}`).join('\n')}`,
    );
  }
  return report.released;
}
