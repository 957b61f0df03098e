import { randomBytes } from 'node:crypto';
import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { withFileLock } from '../file-lock';
import { formatCheckTime, parseCheckTime, type CheckTimes } from '../verdicts/checktime';

// The host's memory of how long each test took (fstests' check.time format), per filesystem:
// the next run's ETA and per-test hang timeouts come from it.

export function historyFile(stateDir: string, fs: string): string {
  return join(stateDir, 'history', `${fs}.check.time`);
}

export async function readHistory(stateDir: string, fs: string): Promise<CheckTimes> {
  const text = await readFile(historyFile(stateDir, fs), 'utf8').catch(() => '');
  return parseCheckTime(text);
}

/**
 * Merge newer times into the history: under a lock file, since the shards of a matrix cell (same
 * fs, same host) and processes sharing the state dir merge at once; write-then-rename, so a
 * reader never sees a torn file.
 */
export async function mergeHistory(stateDir: string, fs: string, newer: CheckTimes): Promise<void> {
  if (newer.size === 0) return;
  const file = historyFile(stateDir, fs);
  await mkdir(join(stateDir, 'history'), { recursive: true });
  await withFileLock(`${file}.lock`, async () => {
    const times = await readHistory(stateDir, fs);
    for (const [t, s] of newer) times.set(t, s);
    const tmp = `${file}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`;
    await writeFile(tmp, formatCheckTime(times));
    await rename(tmp, file);
  });
}

/** Seconds each listed test took last time on this host (for the ETA and longest-first). */
export function expectedOf(listed: readonly string[], times: CheckTimes): Record<string, number> {
  return Object.fromEntries(listed.flatMap((t) => (times.has(t) ? [[t, times.get(t)!]] : [])));
}
