import { WorkflowNotFoundError, type WorkflowHandle } from '@temporalio/client';
import { RunSummary, type RunSummary as Summary } from '../../common/schemas';
import { failureKind, rootMessage } from '../../common/errors';
import { EXIT, exitCodeFor, exitCodeForFailure } from '../core/exit-codes';
import { summaryText, testLine } from './print';
import { writeJunit } from './junit-out';
import { storedSummary } from './stored-summary';
import { cancelledSummary } from './cancelled-summary';

// `fsto results ID`: a finished run's verdicts, from Temporal while it keeps the run, else from
// this host's results store. The run may go from Temporal between two calls (retention, a delete):
// then too the store answers. Returns the exit code.

type Flags = { json?: boolean; junit?: string };

export async function resultsOf(handle: WorkflowHandle, f: Flags): Promise<number> {
  const code = await fromTemporal(handle, f).catch((err: unknown) => {
    if (err instanceof WorkflowNotFoundError) return 'gone' as const;
    throw err;
  });
  return code === 'gone' ? fromStore(handle.workflowId, f) : code;
}

async function fromTemporal(handle: WorkflowHandle, f: Flags): Promise<number> {
  const id = handle.workflowId;
  const desc = await handle.describe();
  if (desc.status.name === 'RUNNING') {
    console.error(`run ${id} is still running: use 'fsto watch ${id}'`);
    return EXIT.badInput;
  }
  // A cancelled run has no result: its partial verdicts are in the store or its summary query.
  if (desc.status.name !== 'CANCELLED' && desc.status.name !== 'COMPLETED') {
    const err = await handle.result().then(
      () => undefined,
      (e: unknown) => e,
    );
    if (err instanceof WorkflowNotFoundError) throw err;
    console.error(`run ${id} failed (${failureKind(err)}): ${rootMessage(err)}`);
    return exitCodeForFailure(failureKind(err));
  }
  const summary =
    desc.status.name === 'CANCELLED'
      ? await cancelledSummary(handle)
      : RunSummary.parse(await handle.result());
  if (!summary) {
    console.error(`run ${id} was cancelled; its verdicts are not in this host's results store`);
    return EXIT.cancelled;
  }
  if (f.junit) await writeJunit(f.junit, summary);
  printSummary(summary, f);
  return exitCodeFor(summary.status);
}

/** Past Temporal's retention: the host's results store still has the verdicts. */
async function fromStore(id: string, f: Flags): Promise<number> {
  const stored = await storedSummary(id);
  if (!stored) {
    console.error(`run ${id}: not known to Temporal nor to this host's results store`);
    return EXIT.badInput;
  }
  printSummary(stored, f);
  if (f.junit) await writeJunit(f.junit, stored);
  return exitCodeFor(stored.status);
}

function printSummary(summary: Summary, f: Flags): void {
  if (f.json) console.log(JSON.stringify(summary, null, 2));
  else console.log([...summary.tests.map(testLine), summaryText(summary)].join('\n'));
}
