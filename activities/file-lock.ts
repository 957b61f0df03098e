import { link, open, readFile, rename, unlink } from 'node:fs/promises';
import { hostname } from 'node:os';
import { setTimeout as sleep } from 'node:timers/promises';
import { pidAlive } from './pid';

// A cross-process lock file (O_EXCL create), held for milliseconds: a host's VM slots are
// counted and taken under one, by every process that shares the state dir. A lock left by a dead
// process on this host is taken over.

export interface LockOptions {
  timeoutMs?: number;
}

async function tryCreate(path: string, owner: string): Promise<boolean> {
  try {
    const fh = await open(path, 'wx');
    await fh.writeFile(owner);
    await fh.close();
    return true;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'EEXIST') return false;
    throw err;
  }
}

/** Remove the lock if its owner is a dead process of this host; true when it did. */
async function takeOverStale(path: string): Promise<boolean> {
  const text = await readFile(path, 'utf8').catch(() => undefined);
  if (text === undefined) return true; // released meanwhile
  const [pidText, host] = text.split(' ');
  const pid = Number(pidText);
  if (host?.trim() !== hostname() || !Number.isInteger(pid) || pid <= 0 || pidAlive(pid)) return false;
  // Move it aside first and check it is still the stale one: another waiter may have replaced it.
  const aside = `${path}.stale.${process.pid}`;
  if (
    !(await rename(path, aside).then(
      () => true,
      () => false,
    ))
  )
    return true;
  const moved = await readFile(aside, 'utf8').catch(() => '');
  if (moved !== text) await link(aside, path).catch(() => undefined); // not ours to remove: put it back
  await unlink(aside).catch(() => undefined);
  return true;
}

export async function withFileLock<T>(
  path: string,
  fn: () => Promise<T> | T,
  opts: LockOptions = {},
): Promise<T> {
  const deadline = Date.now() + (opts.timeoutMs ?? 30_000);
  const owner = `${process.pid} ${hostname()}\n`;
  for (let delay = 5; ; delay = Math.min(delay * 2, 200)) {
    if (await tryCreate(path, owner)) break;
    if (await takeOverStale(path)) continue;
    if (Date.now() > deadline) {
      const holder = await readFile(path, 'utf8').catch(() => '?');
      throw new Error(`lock ${path} is held by ${holder.trim()}; if that process is gone, remove the file`);
    }
    await sleep(delay);
  }
  try {
    return await fn();
  } finally {
    await unlink(path).catch(() => undefined);
  }
}
