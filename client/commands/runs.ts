import type { Command } from 'commander';
import { WorkflowNotFoundError } from '@temporalio/client';
import { RunSummary } from '../../common/schemas';
import { addConnectionOptions, type ConnectOpts } from '../server/connection';
import { failureKind, rootMessage } from '../../common/errors';
import { EXIT, exitCodeFor, exitCodeForFailure } from '../core/exit-codes';
import { summaryText, testLine } from '../run/print';
import { openSession } from '../server/temporal';
import { watchAny } from '../run/watch-any';
import { writeJunit } from '../run/junit-out';
import { storedSummary } from '../run/stored-summary';
import { cancelledSummary } from '../run/cancelled-summary';
import type { RunSummary as Summary } from '../../common/schemas';

// Commands on an existing run: watch, results, cancel.

export function registerRunsCommands(program: Command): void {
  addConnectionOptions(
    program
      .command('watch')
      .description('follow a run, a matrix or a bisection until it ends')
      .argument('<workflowId>'),
  ).action(async (id: string, f: ConnectOpts) => {
    const session = await openSession(f);
    try {
      process.exitCode = await watchAny(session.client.workflow.getHandle(id), (l) => console.log(l));
    } finally {
      await session.close();
    }
  });

  addConnectionOptions(
    program
      .command('results')
      .description("print a finished run's verdicts")
      .argument('<workflowId>')
      .option('--json', 'print the run summary as JSON')
      .option('--junit <file>', 'write JUnit XML of the verdicts'),
  ).action(async (id: string, f: ConnectOpts & { json?: boolean; junit?: string }) => {
    const session = await openSession(f);
    try {
      const handle = session.client.workflow.getHandle(id);
      const desc = await handle.describe().catch(async (err: unknown) => {
        if (!(err instanceof WorkflowNotFoundError)) throw err;
        return undefined;
      });
      if (!desc) {
        // Past Temporal's retention: the host's results store still has the verdicts.
        const stored = await storedSummary(id);
        if (!stored) {
          console.error(`run ${id}: not known to Temporal nor to this host's results store`);
          process.exitCode = EXIT.badInput;
          return;
        }
        printSummary(stored, f);
        if (f.junit) await writeJunit(f.junit, stored);
        process.exitCode = exitCodeFor(stored.status);
        return;
      }
      if (desc.status.name === 'RUNNING') {
        console.error(`run ${id} is still running: use 'fsto watch ${id}'`);
        process.exitCode = EXIT.badInput;
        return;
      }
      // A cancelled run has no result: its partial verdicts are in the store or its summary query.
      if (desc.status.name !== 'CANCELLED' && desc.status.name !== 'COMPLETED') {
        const err = await handle.result().then(
          () => undefined,
          (e: unknown) => e,
        );
        console.error(`run ${id} failed (${failureKind(err)}): ${rootMessage(err)}`);
        process.exitCode = exitCodeForFailure(failureKind(err));
        return;
      }
      const summary =
        desc.status.name === 'CANCELLED'
          ? await cancelledSummary(handle)
          : RunSummary.parse(await handle.result());
      if (!summary) {
        console.error(`run ${id} was cancelled; its verdicts are not in this host's results store`);
        process.exitCode = EXIT.cancelled;
        return;
      }
      if (f.junit) await writeJunit(f.junit, summary);
      printSummary(summary, f);
      process.exitCode = exitCodeFor(summary.status);
    } finally {
      await session.close();
    }
  });

  addConnectionOptions(
    program.command('cancel').description('cancel a run; its cleanup still runs').argument('<workflowId>'),
  ).action(async (id: string, f: ConnectOpts) => {
    const session = await openSession(f);
    try {
      await session.client.workflow.getHandle(id).cancel();
      console.log(`cancellation requested for ${id}; devices and VMs are released by the run's cleanup`);
    } finally {
      await session.close();
    }
  });
}

function printSummary(summary: Summary, f: { json?: boolean }): void {
  if (f.json) console.log(JSON.stringify(summary, null, 2));
  else console.log([...summary.tests.map(testLine), summaryText(summary)].join('\n'));
}
