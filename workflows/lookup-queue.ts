import { patched, workflowInfo } from '@temporalio/workflow';
import { quickQueue } from '../common/queues';

// Where a workflow's git look-ups run (a nightly's branch head, a bisection's range and answer):
// read from a tree at a path every host of the queue has, so any host may answer. They ran on
// the workflow's own queue, whose activity slots open only with a VM slot free (workers/
// claim-gate.ts): with every slot held a nightly hung before its first cell and a bisection
// before its first step. Now the ungated quick queue; histories of before keep their queue.

export const UNGATED_LOOKUPS = 'ungated-lookups';

/** Called once per workflow, before its first look-up. */
export function lookupQueue(): string {
  const queue = workflowInfo().taskQueue;
  return patched(UNGATED_LOOKUPS) ? quickQueue(queue) : queue;
}
