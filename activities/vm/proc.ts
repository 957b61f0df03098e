import { readdir, readFile } from 'node:fs/promises';

// What /proc says about a process: enough to never signal a recycled pid.

/** Field 22 of /proc/<pid>/stat (start time in clock ticks since boot), or undefined if gone. */
export async function processStartTime(pid: number): Promise<string | undefined> {
  try {
    const stat = await readFile(`/proc/${pid}/stat`, 'utf8');
    // The command name (field 2) is in parentheses and may hold spaces: count from the last ')'.
    return stat.slice(stat.lastIndexOf(')') + 2).split(' ')[19];
  } catch {
    return undefined;
  }
}

/** Pids whose environment carries NAME=value (how a VM's processes are found without a pid). */
export async function pidsWithEnv(name: string, value: string): Promise<number[]> {
  const want = `${name}=${value}`;
  const pids: number[] = [];
  for (const d of await readdir('/proc')) {
    if (!/^\d+$/.test(d)) continue;
    try {
      const env = await readFile(`/proc/${d}/environ`, 'latin1');
      if (env.split('\0').includes(want)) pids.push(Number(d));
    } catch {
      // gone meanwhile, or a kernel thread
    }
  }
  return pids;
}

/** Pids whose argv mentions `needle` (a run dir, a state dir): what is left of a run or a test. */
export async function pidsMentioning(needle: string): Promise<number[]> {
  const pids: number[] = [];
  for (const d of await readdir('/proc')) {
    if (!/^\d+$/.test(d) || Number(d) === process.pid) continue;
    const cmd = await readFile(`/proc/${d}/cmdline`, 'latin1').catch(() => '');
    if (cmd.includes(needle)) pids.push(Number(d));
  }
  return pids;
}

export function signal(pid: number, sig: NodeJS.Signals | 0): boolean {
  try {
    process.kill(pid, sig);
    return true;
  } catch {
    return false;
  }
}

export function alive(pid: number): boolean {
  return signal(pid, 0);
}
