import type { WorkflowHandle } from '@temporalio/client';
import type { RunSummary } from '../common/schemas';
import { EXIT, exitCodeFor } from './exit-codes';
import { EXIT_INTERRUPTED, onInterrupt } from './interrupt';
import { writeJunit } from './junit-out';
import { summaryText } from './print';
import { kernelLines, watchRun } from './watch';

export interface FollowOptions {
  json?: boolean;
  junit?: string;
  /** Progress lines (stderr with --json). */
  log: (line: string) => void;
  /** Whether the run's worker is this process (it stops when we exit) or runs elsewhere. */
  inProcessWorker: boolean;
}

/**
 * Follow a run to its end and print its verdicts. Ctrl-C once: cancel it, wait for its cleanup
 * (VM stopped, devices released) and print the verdicts so far (exit 130). Twice: stop following
 * and say how to follow or cancel it. A third time: exit at once.
 */
export async function followRun(handle: WorkflowHandle, o: FollowOptions): Promise<number> {
  const id = handle.workflowId;
  let interrupted = false;
  const detach = new AbortController();
  const off = onInterrupt([
    () => {
      interrupted = true;
      o.log(
        `\ninterrupted: cancelling run ${id}; stopping its VM and releasing its devices (Ctrl-C again to detach)`,
      );
      handle.cancel().catch((err: unknown) => o.log(`could not cancel ${id}: ${String(err)}`));
    },
    () => detach.abort(),
  ]);
  try {
    const outcome = await watchRun(handle, o.log, { signal: detach.signal });
    switch (outcome.kind) {
      case 'detached':
        o.log(detachedText(id, o.inProcessWorker));
        return EXIT_INTERRUPTED;
      case 'failed':
        console.error(`run ${id} failed: ${outcome.message}`);
        return EXIT.infraError;
      case 'cancelled':
        if (outcome.summary) await print(outcome.summary, o);
        else o.log(`run ${id} was cancelled; its verdicts could not be read (fsto results ${id})`);
        if (outcome.interrupted) o.log(`${outcome.interrupted} was interrupted: no verdict`);
        o.log(`run ${id} cancelled; its devices and VMs are released`);
        return interrupted ? EXIT_INTERRUPTED : EXIT.cancelled;
      case 'completed':
        await print(outcome.summary, o);
        return exitCodeFor(outcome.summary.status);
    }
  } finally {
    off();
  }
}

async function print(summary: RunSummary, o: FollowOptions): Promise<void> {
  if (o.junit) await writeJunit(o.junit, summary);
  if (o.json) console.log(JSON.stringify(summary, null, 2));
  else console.log([summaryText(summary), ...kernelLines(summary)].join('\n'));
}

/** What a second Ctrl-C leaves behind, and how to get back to it. */
export function detachedText(id: string, inProcessWorker: boolean): string {
  return [
    `detached from run ${id} (its cancellation was requested).`,
    inProcessWorker
      ? '  Its worker was this command: the cancellation and cleanup finish when a worker runs next\n' +
        '  (`fsto up`, `fsto worker`, or the next fsto command, which says so).'
      : '  Its worker finishes the cancellation and releases its devices and VMs.',
    `  follow it: fsto watch ${id}`,
    `  cancel it: fsto cancel ${id}`,
  ].join('\n');
}
