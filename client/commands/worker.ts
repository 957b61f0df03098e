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
    .option('--task-queue <queue>', 'workflow task queue', WORKFLOW_QUEUE)
    .option(
      '--metrics <host:port|off>',
      "Prometheus endpoint (Temporal's metrics and fsto's)",
      '127.0.0.1:9464',
    );
  addConnectionOptions(cmd).action(async (f: ConnectOpts & { taskQueue: string; metrics: string }) => {
    const prometheusBind = f.metrics === 'off' ? undefined : f.metrics;
    installRuntime({ logLevel: 'INFO', ...(prometheusBind ? { prometheusBind } : {}) });
    const address = f.address ?? '127.0.0.1:7233';
    const host = await startHost({
      connection: await connectionOptions({ ...f, address }),
      namespace: f.namespace,
      workflowQueue: f.taskQueue,
      metrics: Boolean(prometheusBind),
    });
    const c = host.capabilities;
    console.error(
      `fsto worker: host ${c.hostId} on ${address}: queues ${f.taskQueue}${c.kvm ? ` ${f.taskQueue}-kvm` : ''} ${c.hostQueue}; ` +
        `${c.kvm ? 'KVM' : 'TCG only'}, ${c.cpus} cpus, ${c.memoryMiB} MiB, ${c.vmSlots} VM slot(s)` +
        (prometheusBind ? `; metrics on http://${prometheusBind}/metrics` : ''),
    );
    // The SDK installs SIGINT/SIGTERM handlers that shut workers down gracefully.
    await runWorkers(host.workers);
    await host.close();
  });
}
