import { readFile } from 'node:fs/promises';
import { pidsMentioning } from '../activities/vm/proc';
import { run } from '../activities/process';

// What a side of bench/overhead.ts may leave behind, found by the bench's own temp dir (every
// backing file, socket and state file of both sides lives under it): loop devices backed by its
// files, mounts under it, processes whose command line names it. Ours by construction.

export interface Leaks {
  loops: string[];
  mounts: string[];
  pids: number[];
}

export async function findLeaks(dir: string): Promise<Leaks> {
  const leaks: Leaks = { loops: [], mounts: [], pids: [] };
  const listed = (await run(['losetup', '--list', '--json', '-O', 'NAME,BACK-FILE'])).stdout;
  const loops = JSON.parse(listed || '{}') as { loopdevices?: { name: string; 'back-file'?: string }[] };
  for (const l of loops.loopdevices ?? []) if (l['back-file']?.startsWith(dir)) leaks.loops.push(l.name);
  for (const line of (await readFile('/proc/mounts', 'utf8')).split('\n')) {
    const mnt = line.split(' ')[1];
    if (mnt?.startsWith(dir)) leaks.mounts.push(mnt);
  }
  leaks.pids.push(...(await pidsMentioning(dir)));
  return leaks;
}

export function describeLeaks(l: Leaks): string[] {
  return [
    ...l.loops.map((d) => `loop ${d}`),
    ...l.mounts.map((m) => `mount ${m}`),
    ...l.pids.map((p) => `pid ${p}`),
  ];
}

/** Kill, unmount, detach (in that order: a VM holds its loop devices open). */
export async function reclaim(l: Leaks): Promise<void> {
  for (const pid of l.pids) {
    try {
      process.kill(pid, 'SIGKILL');
    } catch {
      // already gone
    }
  }
  if (l.pids.length) await new Promise((r) => setTimeout(r, 1000));
  for (const m of [...l.mounts].reverse()) await run(['umount', m]);
  for (const d of l.loops) await run(['losetup', '--detach', d]);
}
