import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { loopsUnder, mountsUnder } from '../devices/helpers';

/** Processes whose argv mentions `needle` (a VM's control socket and console live in its run dir). */
export async function processesMentioning(needle: string): Promise<number[]> {
  const pids: number[] = [];
  for (const name of await readdir('/proc')) {
    if (!/^\d+$/.test(name) || Number(name) === process.pid) continue;
    const cmd = await readFile(`/proc/${name}/cmdline`, 'latin1').catch(() => '');
    if (cmd.includes(needle)) pids.push(Number(name));
  }
  return pids;
}

/** Everything a run could leave on the host; all empty when nothing leaked. */
export async function leftovers(stateDir: string, runKey: string) {
  const ledgerDir = join(stateDir, 'ledger', runKey);
  return {
    loops: [...(await loopsUnder(stateDir)).keys()],
    mounts: await mountsUnder(stateDir),
    vmProcesses: await processesMentioning(join(stateDir, 'runs', runKey)),
    ledgerEntries: await readdir(ledgerDir).catch(() => []),
  };
}

export const NOTHING_LEFT = { loops: [], mounts: [], vmProcesses: [], ledgerEntries: [] };
