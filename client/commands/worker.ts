import type { Command } from 'commander';
import { WORKFLOW_QUEUE } from '../../common/queues';
import { runWorkers } from '../../workers/workers';
import { startHost } from '../../workers/host';
import { installRuntime } from '../../workers/runtime';
import { addConnectionOptions, connectionOptions, type ConnectOpts } from '../connection';

export function registerWorkerCommand(program: Command): void {
  const cmd = program
    .command('worker')
    .description(
      "run this host's workers: probe, reap what closed runs left, then take work until SIGINT/SIGTERM",
    )
    .option('--task-queue <queue>', 'workflow task queue', WORKFLOW_QUEUE);
  addConnectionOptions(cmd).action(async (f: ConnectOpts & { taskQueue: string }) => {
    installRuntime({ logLevel: 'INFO' });
    const address = f.address ?? '127.0.0.1:7233';
    const host = await startHost({
      connection: await connectionOptions({ ...f, address }),
      namespace: f.namespace,
      workflowQueue: f.taskQueue,
    });
    const c = host.capabilities;
    console.error(
      `fsto worker: host ${c.hostId} on ${address}: queues ${f.taskQueue}${c.kvm ? ` ${f.taskQueue}-kvm` : ''} ${c.hostQueue}; ` +
        `${c.kvm ? 'KVM' : 'TCG only'}, ${c.cpus} cpus, ${c.memoryMiB} MiB, ${c.vmSlots} VM slot(s)`,
    );
    // The SDK installs SIGINT/SIGTERM handlers that shut workers down gracefully.
    await runWorkers(host.workers);
    await host.close();
  });
}
