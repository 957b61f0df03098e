import type { Command } from 'commander';
import { addConnectionOptions, type ConnectOpts } from '../server/connection';
import { openSession } from '../server/temporal';
import { watchAny } from '../run/watch-any';
import { resultsOf } from '../run/results-of';

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
      process.exitCode = await resultsOf(session.client.workflow.getHandle(id), f);
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
