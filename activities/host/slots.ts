import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import type { Ledger } from '../ledger/ledger';
import { withFileLock } from '../file-lock';

// A host's VM slots, held in its ledger: a run that claims the host records a `slot` entry
// (under a host-wide lock, so two processes sharing the state dir — an embedded `fsto run` and
// an `fsto worker` — never hand out the same slot) and gives it back with the rest of its
// resources when it is released (by its compensation, or by the reaper once it is closed).

export interface SlotDeps {
  ledger: Ledger;
  stateDir: string;
  vmSlots: number;
}

/** Entry file names carry their kind (`<stamp>-slot-<hex>.json`): counting needs no parsing. */
async function slotEntries(ledger: Ledger, runKey: string): Promise<number> {
  const names = await readdir(join(ledger.root, runKey)).catch(() => [] as string[]);
  return names.filter((n) => n.endsWith('.json') && n.includes('-slot-') && !n.startsWith('.')).length;
}

/** Slots held right now, by every run in this host's ledger (whichever server owns it). */
export async function heldSlots(ledger: Ledger): Promise<number> {
  let n = 0;
  for (const run of await ledger.runs()) n += (await slotEntries(ledger, run)) > 0 ? 1 : 0;
  return n;
}

export type SlotClaim = 'taken' | 'held already' | 'full';

/** Take a slot for the run if one is free; idempotent (a retried claim keeps its one slot). */
export async function takeSlot(deps: SlotDeps, runKey: string): Promise<SlotClaim> {
  return withFileLock(join(deps.stateDir, 'slots.lock'), async () => {
    if ((await slotEntries(deps.ledger, runKey)) > 0) return 'held already';
    if ((await heldSlots(deps.ledger)) >= deps.vmSlots) return 'full';
    await deps.ledger.record(runKey, 'slot', { vmSlots: deps.vmSlots, pid: process.pid });
    return 'taken';
  });
}
