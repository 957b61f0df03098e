import { setTimeout as sleep } from 'node:timers/promises';
import type { ActivitySlotInfo, CustomSlotSupplier, WorkerTuner } from '@temporalio/worker';
import type { Ledger } from '../activities/ledger/ledger';
import { heldSlots } from '../activities/host/slots';

// Admission at the door: a host polls the shared claim queues only while it has a free VM slot,
// so a busy host leaves runs to hosts that can start them now (a claim taken and then left
// waiting would hold a run back while another host idles). The count is the ledger's (every
// process sharing this state dir) plus the permits this process has handed out and not yet
// seen come back; the claim activity itself takes the slot under a lock (activities/host/slots.ts).

export interface ClaimGateOptions {
  ledger: Ledger;
  vmSlots: number;
  pollMs?: number;
}

export function claimGate(o: ClaimGateOptions): CustomSlotSupplier<ActivitySlotInfo> {
  let outstanding = 0;
  return {
    type: 'custom',
    async reserveSlot(_ctx, abortSignal) {
      for (;;) {
        // The SDK expects its own abort reason back (anything else is logged as an error).
        if (abortSignal.aborted) throw abortSignal.reason;
        const held = await heldSlots(o.ledger).catch(() => o.vmSlots);
        if (held + outstanding < o.vmSlots) {
          outstanding++;
          return {};
        }
        await sleep(o.pollMs ?? 1_000, undefined, { signal: abortSignal }).catch(() => undefined);
      }
    },
    // Eager dispatch would skip the count: always decline, the task then goes through a poll.
    tryReserveSlot: () => null,
    markSlotUsed: () => {},
    releaseSlot: () => {
      outstanding--;
    },
  };
}

/** A tuner for a claim worker: workflow tasks as usual, claim activities through the gate. */
export function claimTuner(gate: CustomSlotSupplier<ActivitySlotInfo>): WorkerTuner {
  return {
    workflowTaskSlotSupplier: { type: 'fixed-size', numSlots: 40 },
    activityTaskSlotSupplier: gate,
    localActivityTaskSlotSupplier: { type: 'fixed-size', numSlots: 20 },
    nexusTaskSlotSupplier: { type: 'fixed-size', numSlots: 20 },
  };
}
