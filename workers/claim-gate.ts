import { setTimeout as sleep } from 'node:timers/promises';
import type { ActivitySlotInfo, CustomSlotSupplier, WorkerTuner } from '@temporalio/worker';
import type { Ledger } from '../activities/ledger/ledger';
import { heldSlots } from '../activities/host/slots';

// Admission at the door: a host polls the shared claim queues only while it has a free VM slot,
// so a busy host leaves runs to hosts that can start them now (a claim taken and then left
// waiting would hold a run back while another host idles). The count is the ledger's (every
// process sharing this state dir) plus the permits handed out for that queue and not yet back.
// Per queue, because a poller holds its permit for a whole long poll (up to a minute): one
// shared count would let the idle workflow queue's poller shut out the KVM queue's. Two queues
// may then each receive a claim for the last slot at the same moment; the claim activity takes
// slots under a lock (activities/host/slots.ts), so the second waits there for the next one.

export interface ClaimGateOptions {
  ledger: Ledger;
  vmSlots: number;
  pollMs?: number;
}

export function claimGate(o: ClaimGateOptions): CustomSlotSupplier<ActivitySlotInfo> {
  const outstanding = new Map<string, number>();
  const out = (queue: string) => outstanding.get(queue) ?? 0;
  return {
    type: 'custom',
    async reserveSlot(ctx, abortSignal) {
      for (;;) {
        // The SDK expects its own abort reason back (anything else is logged as an error).
        if (abortSignal.aborted) throw abortSignal.reason;
        const held = await heldSlots(o.ledger).catch(() => o.vmSlots);
        if (held + out(ctx.taskQueue) < o.vmSlots) {
          outstanding.set(ctx.taskQueue, out(ctx.taskQueue) + 1);
          return { queue: ctx.taskQueue };
        }
        await sleep(o.pollMs ?? 1_000, undefined, { signal: abortSignal }).catch(() => undefined);
      }
    },
    // Eager dispatch would skip the count: always decline, the task then goes through a poll.
    tryReserveSlot: () => null,
    markSlotUsed: () => {},
    releaseSlot: ({ permit }) => {
      const queue = (permit as { queue: string }).queue;
      outstanding.set(queue, out(queue) - 1);
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

/**
 * A tuner for the quick worker (common/queues.ts quickQueue): fixed sizes, no gate. A night goes
 * unrun, a branch head or a bisection's next commits are due, when every VM slot may be held;
 * none of them may wait for one.
 */
export function quickTuner(): WorkerTuner {
  return {
    workflowTaskSlotSupplier: { type: 'fixed-size', numSlots: 1 },
    activityTaskSlotSupplier: { type: 'fixed-size', numSlots: 10 },
    localActivityTaskSlotSupplier: { type: 'fixed-size', numSlots: 1 },
    nexusTaskSlotSupplier: { type: 'fixed-size', numSlots: 1 },
  };
}
