import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import type { Ledger, LedgerEntry } from '../ledger/ledger';
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

/**
 * Take a slot for the run if one is free; idempotent (a retried claim keeps its one slot). Each
 * claim stamps the slot (claimedAt): a reaper never gives back a slot claimed moments ago.
 */
export async function takeSlot(deps: SlotDeps, runKey: string): Promise<SlotClaim> {
  return withFileLock(lockPath(deps.stateDir), async () => {
    const held = (await deps.ledger.list(runKey)).filter((e) => e.kind === 'slot');
    if (held.length > 0) {
      for (const e of held) await deps.ledger.update(e, { claimedAt: Date.now() });
      return 'held already';
    }
    if ((await heldSlots(deps.ledger)) >= deps.vmSlots) return 'full';
    await deps.ledger.record(runKey, 'slot', {
      vmSlots: deps.vmSlots,
      pid: process.pid,
      claimedAt: Date.now(),
    });
    return 'taken';
  });
}

const lockPath = (stateDir: string) => join(stateDir, 'slots.lock');

/** How long ago the run last claimed this host (undefined: it holds no slot here). */
export async function slotAgeMs(
  ledger: Ledger,
  runKey: string,
  now = Date.now(),
): Promise<number | undefined> {
  const ages = (await ledger.list(runKey)).filter((e) => e.kind === 'slot').map((e) => now - claimedAt(e));
  return ages.length ? Math.min(...ages) : undefined;
}

function claimedAt(e: LedgerEntry): number {
  const at = e.data.claimedAt;
  return typeof at === 'number' ? at : Date.parse(e.createdAt);
}

/**
 * The slot releaser for a run that moved to another host: under the claim lock, and only when
 * the run did not claim this host again within `minAgeMs` (a claim racing the reaper keeps it).
 */
export function movedSlotReleaser(deps: { ledger: Ledger; stateDir: string }, minAgeMs: number) {
  return async (entry: LedgerEntry): Promise<void> =>
    withFileLock(lockPath(deps.stateDir), async () => {
      const now = (await deps.ledger.list(entry.runKey)).find((e) => e.id === entry.id);
      if (!now) return;
      if (Date.now() - claimedAt(now) < minAgeMs) throw new Error('the run claimed this host again just now');
      await deps.ledger.remove(now);
    });
}
