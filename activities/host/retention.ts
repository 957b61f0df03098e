import { readdir, rm, stat, statfs } from 'node:fs/promises';
import { join } from 'node:path';
import type { Ledger } from '../ledger/ledger';
import { fstoEnvs, type FstoEnv, type FstoVar } from '../settings';

// What the state dir keeps of finished runs (runs/<key>/: results, artifacts, console logs):
// by age (nights) and/or by bytes, oldest first. A run the ledger still holds anything for is
// open (devices, VM, slot) and never touched. The results store keeps every verdict regardless.
// And before a run makes its files: enough free space, or a clear error naming the path.

export interface RetentionPolicy {
  /** Keep run dirs younger than this many nights (24 h each). */
  keepNights?: number;
  /** Keep at most this many bytes of run dirs (the newest). */
  keepBytes?: number;
}

export interface PruneReport {
  removed: string[];
  keptBytes: number;
}

async function du(path: string): Promise<number> {
  const s = await stat(path).catch(() => undefined);
  if (!s) return 0;
  if (!s.isDirectory()) return s.size;
  let total = 0;
  for (const e of await readdir(path).catch(() => [])) total += await du(join(path, e));
  return total;
}

/** The retention policy from the worker's environment: FSTO_KEEP_NIGHTS, FSTO_KEEP_BYTES. */
export function retentionFromEnv(env: FstoEnv = fstoEnvs()): RetentionPolicy {
  const num = (name: FstoVar): number | undefined => {
    const v = env[name];
    if (v === undefined || v === '') return undefined;
    const n = Number(v);
    if (!Number.isFinite(n) || n < 0) throw new Error(`${name}=${v}: give a number ≥ 0`);
    return n;
  };
  const keepNights = num('FSTO_KEEP_NIGHTS');
  const keepBytes = num('FSTO_KEEP_BYTES');
  return {
    ...(keepNights !== undefined ? { keepNights } : {}),
    ...(keepBytes !== undefined ? { keepBytes } : {}),
  };
}

export async function pruneRuns(
  stateDir: string,
  ledger: Ledger,
  policy: RetentionPolicy,
  now = Date.now(),
): Promise<PruneReport> {
  const root = join(stateDir, 'runs');
  const open = new Set(await ledger.runs());
  const dirs: { key: string; mtimeMs: number; bytes: number }[] = [];
  for (const key of await readdir(root).catch(() => [])) {
    const s = await stat(join(root, key)).catch(() => undefined);
    if (s?.isDirectory()) dirs.push({ key, mtimeMs: s.mtimeMs, bytes: await du(join(root, key)) });
  }
  dirs.sort((a, b) => b.mtimeMs - a.mtimeMs); // newest first
  const removed: string[] = [];
  let kept = 0;
  for (const d of dirs) {
    const tooOld = policy.keepNights !== undefined && now - d.mtimeMs > policy.keepNights * 86_400_000;
    const tooBig = policy.keepBytes !== undefined && kept + d.bytes > policy.keepBytes;
    if (!open.has(d.key) && (tooOld || tooBig)) {
      await rm(join(root, d.key), { recursive: true, force: true });
      removed.push(d.key);
    } else kept += d.bytes;
  }
  return { removed, keptBytes: kept };
}

/** Free space a run needs in the state dir before it starts: FSTO_MIN_FREE_BYTES, default 256 MiB. */
export const minFreeBytes = (env: FstoEnv = fstoEnvs()): number =>
  Number(env.FSTO_MIN_FREE_BYTES || 256 * 2 ** 20);

export class DiskFullError extends Error {
  override name = 'DiskFullError';
}

/** Throws a DiskFullError naming `dir` when it has less than `minBytes` free. */
export async function ensureFreeSpace(dir: string, minBytes: number): Promise<void> {
  const s = await statfs(dir);
  const free = s.bavail * s.bsize;
  if (free < minBytes)
    throw new DiskFullError(
      `${dir}: ${Math.floor(free / 2 ** 20)} MiB free, a run needs ${Math.ceil(minBytes / 2 ** 20)} MiB there; ` +
        'free space on that filesystem or keep fewer runs (FSTO_KEEP_NIGHTS, FSTO_KEEP_BYTES on the worker)',
    );
}
