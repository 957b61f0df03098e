import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { hostKeyOf } from '../../common/schemas';
import { pidsMentioning } from '../../activities/vm/proc';
import { loopsUnder, mountsUnder } from '../../kit/devices';

/** Processes whose argv mentions `needle` (a VM's control socket and console live in its run dir). */
export const processesMentioning = pidsMentioning;

/** Everything a run (its workflow id) could leave on the host; all empty when nothing leaked. */
export async function leftovers(stateDir: string, workflowId: string) {
  const runKey = hostKeyOf(workflowId);
  const ledgerDir = join(stateDir, 'ledger', runKey);
  return {
    loops: [...(await loopsUnder(stateDir)).keys()],
    mounts: await mountsUnder(stateDir),
    vmProcesses: await processesMentioning(join(stateDir, 'runs', runKey)),
    ledgerEntries: await readdir(ledgerDir).catch(() => []),
  };
}

export const NOTHING_LEFT = { loops: [], mounts: [], vmProcesses: [], ledgerEntries: [] };
