import type { Command } from 'commander';
import { localStartSocket, serveLocalStarts } from '../run/local-start';
import { WORKFLOW_QUEUE } from '../../common/queues';
import { runWorkers } from '../../workers/workers';
import { startHost } from '../../workers/host';
import { installRuntime } from '../../workers/runtime';
import { installRuntimeWithMetrics } from '../../workers/metrics-bind';
import { addConnectionOptions, connectionOptions, type ConnectOpts } from '../server/connection';
import { EXIT } from '../core/exit-codes';
import { openResultsStore } from '../../activities/results/store';
import { fstoEnv, setResultsUrl, stateDir } from '../../activities/settings';
import { buildWorkflowBundle, bundleKey, cachedBundle } from '../worker/bundle-cache';
import { parseVersioning } from '../../workers/host-version';

export function registerWorkerCommand(program: Command): void {
  const cmd = program
    .command('worker')
    .description(
      "run this host's workers: probe, reap what closed runs left, then take work until SIGINT/SIGTERM",
    )
    .option('--task-queue <queue>', 'workflow task queue', WORKFLOW_QUEUE)
    .option(
      '--vm-slots <n>',
      'VMs this host runs at once; it claims a run only with one free (env FSTO_VM_SLOTS; default one per two cores)',
      fstoEnv('FSTO_VM_SLOTS'),
    )
    .option(
      '--results-url <url>',
      "the cluster's results store (postgres://…; env FSTO_RESULTS_URL); default: this host's SQLite file",
    )
    .option(
      '--versioning <auto|on|off>',
      'worker versioning: pin each run to the build that started it (env FSTO_VERSIONING; auto: on unless the server is a dev server)',
      fstoEnv('FSTO_VERSIONING') ?? 'auto',
    )
    .option(
      '--make-current',
      'make this build current at start (new runs start on it), whatever build is current',
    )
    .option(
      '--local-starts',
      "start fsto run's runs handed over on <state dir>/bg/worker.sock (fsto up sets it)",
    )
    .option(
      '--metrics <host:port|off>',
      "Prometheus endpoint (Temporal's metrics and fsto's); by default the first free port from 9464 (a second worker on the host takes 9465); a named address must be free",
      '127.0.0.1:9464',
    );
  type Flags = ConnectOpts & {
    taskQueue: string;
    metrics: string;
    vmSlots?: string;
    resultsUrl?: string;
    versioning: string;
    makeCurrent?: boolean;
    localStarts?: boolean;
  };
  addConnectionOptions(cmd).action(async (f: Flags) => {
    const vmSlots = f.vmSlots === undefined ? undefined : Number(f.vmSlots);
    if (vmSlots !== undefined && !(Number.isInteger(vmSlots) && vmSlots > 0)) {
      console.error(`fsto worker: --vm-slots must be a positive integer, not ${f.vmSlots}`);
      process.exitCode = EXIT.badInput;
      return;
    }
    let versioning;
    try {
      versioning = parseVersioning(f.versioning);
    } catch (err) {
      console.error(`fsto worker: --versioning: ${(err as Error).message}`);
      process.exitCode = EXIT.badInput;
      return;
    }
    // Read wherever this process opens the store (the results activities, stored summaries).
    if (f.resultsUrl) setResultsUrl(f.resultsUrl);
    let prometheusBind: string | undefined;
    try {
      if (f.metrics === 'off') installRuntime({ logLevel: 'INFO' });
      else
        prometheusBind = installRuntimeWithMetrics({
          logLevel: 'INFO',
          bind: f.metrics,
          named: cmd.getOptionValueSource('metrics') === 'cli',
        });
    } catch (err) {
      console.error(`fsto worker: ${(err as Error).message}`);
      process.exitCode = EXIT.badInput;
      return;
    }
    const address = f.address ?? '127.0.0.1:7233';
    const host = await startHost({
      connection: await connectionOptions({ ...f, address }),
      namespace: f.namespace,
      workflowQueue: f.taskQueue,
      metrics: Boolean(prometheusBind),
      ...(vmSlots ? { vmSlots } : {}),
      // Built once per content of the workflow sources, in the state dir (client/worker/bundle-cache.ts);
      // that content key is the build id runs are pinned to (workers/versioning.ts).
      workflowBundle: { codePath: (await cachedBundle(stateDir(), buildWorkflowBundle)).codePath },
      buildId: await bundleKey(),
      versioning,
      makeCurrent: Boolean(f.makeCurrent),
    });
    // Before the line fsto up waits for: from then on fsto run hands its starts over.
    const starts = f.localStarts
      ? await serveLocalStarts(localStartSocket(stateDir()), host.client, { address, namespace: f.namespace })
      : undefined;
    const c = host.capabilities;
    console.error(
      `fsto worker: host ${c.hostId} on ${address}: queues ${f.taskQueue}${c.kvm ? ` ${f.taskQueue}-kvm` : ''} ${c.hostQueue}; ` +
        `${c.kvm ? 'KVM' : 'TCG only'}, ${c.cpus} cpus, ${c.memoryMiB} MiB, ${c.vmSlots} VM slot(s)` +
        (prometheusBind ? `; metrics on http://${prometheusBind}/metrics` : '') +
        `; results in ${openResultsStore().path}` +
        (host.version ? `; version ${host.version.deploymentName}/${host.version.buildId}` : '; unversioned'),
    );
    // The SDK installs SIGINT/SIGTERM handlers that shut workers down gracefully.
    await runWorkers(host.workers);
    await starts?.close();
    await host.close();
  });
}
