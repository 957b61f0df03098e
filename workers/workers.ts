import { fileURLToPath } from 'node:url';
import { Client, type Connection } from '@temporalio/client';
import { Worker, type NativeConnection } from '@temporalio/worker';
import { createAudit } from '../activities/audit';
import { createDeviceActivities } from '../activities/devices/activities';
import { createFstestsActivities } from '../activities/fstests/activities';
import { createHostActivities } from '../activities/host/activities';
import { Ledger } from '../activities/ledger/ledger';
import { createResultsActivities } from '../activities/results/activities';
import { probeKvm } from '../activities/vm';
import { batchProgressSignal, nextTestUpdate, offerListingUpdate } from '../common/queries';
import { kvmClaimQueue, WORKFLOW_QUEUE } from '../common/queues';
import type { HostCapabilities } from '../common/schemas';
import type { FstoMetrics } from './metrics';
import { hostReleasers } from './releasers';
import { join } from 'node:path';

export const workflowsPath = fileURLToPath(new URL('../workflows/index.ts', import.meta.url));

export interface WorkerSetOptions {
  connection: NativeConnection;
  /** For the batch activity's live-progress signals to its workflow. */
  clientConnection?: Connection;
  namespace?: string;
  capabilities: HostCapabilities;
  /** Canonical (realpath): the kernel reports canonical loop backing-file paths. */
  stateDir: string;
  /** Defaults to `fstests`; tests use their own. */
  workflowQueue?: string;
  /** A prebuilt bundle (tests build one per run); otherwise bundled from workflowsPath. */
  workflowBundle?: { codePath: string };
  /** Long enough to stop a VM in an orderly way when the worker is asked to stop. */
  shutdownGraceTimeMs?: number;
  metrics?: FstoMetrics;
  /** Audit lines go to <stateDir>/audit.log always, and to stderr unless false (the CLI's terminal). */
  auditToStderr?: boolean;
}

/** Every activity of a host, wired to one ledger and one set of releasers. */
export function hostActivities(opts: WorkerSetOptions) {
  const ledger = new Ledger(join(opts.stateDir, 'ledger'));
  const releasers = hostReleasers({ stateDir: opts.stateDir });
  const client = opts.clientConnection
    ? new Client({ connection: opts.clientConnection, namespace: opts.namespace ?? 'default' })
    : undefined;
  return {
    ...createHostActivities({ capabilities: opts.capabilities, stateDir: opts.stateDir, ledger, releasers }),
    ...createResultsActivities({ storePath: join(opts.stateDir, 'results.sqlite') }),
    ...createDeviceActivities({
      stateDir: opts.stateDir,
      tmpfsBudgetBytes: opts.capabilities.tmpfsBudgetBytes,
      audit: createAudit(opts.stateDir, { stderr: opts.auditToStderr ?? true }),
    }),
    ...createFstestsActivities({
      ledger,
      stateDir: opts.stateDir,
      releasers,
      vm: { ledger, stateDir: opts.stateDir, probeKvm },
      ...(opts.metrics ? { metrics: opts.metrics } : {}),
      ...(client
        ? {
            notify: async (runKey, s) => client.workflow.getHandle(runKey).signal(batchProgressSignal, s),
            pull: {
              next: (parent, req) =>
                client.workflow.getHandle(parent).executeUpdate(nextTestUpdate, { args: [req] }),
              offer: (parent, offer) =>
                client.workflow.getHandle(parent).executeUpdate(offerListingUpdate, { args: [offer] }),
            },
          }
        : {}),
    }),
  };
}

/**
 * The workers of one host: workflows + claim on the shared queue, claim on the KVM queue only
 * when the KVM probe passed, and the host's own queue for every step of the runs it claimed
 * (VM slots are its concurrency limit for batches).
 */
export async function createWorkers(opts: WorkerSetOptions): Promise<Worker[]> {
  const workflowQueue = opts.workflowQueue ?? WORKFLOW_QUEUE;
  const acts = hostActivities(opts);
  const common = {
    connection: opts.connection,
    namespace: opts.namespace ?? 'default',
    shutdownGraceTime: opts.shutdownGraceTimeMs ?? 30_000,
  };
  const claim = { claimHost: acts.claimHost };
  const workers = [
    await Worker.create({
      ...common,
      taskQueue: workflowQueue,
      ...(opts.workflowBundle ? { workflowBundle: opts.workflowBundle } : { workflowsPath }),
      activities: claim,
    }),
    await Worker.create({
      ...common,
      taskQueue: opts.capabilities.hostQueue,
      activities: acts,
      // Batches boot VMs: at most vmSlots at once, plus room for quick steps and cleanup.
      maxConcurrentActivityTaskExecutions: opts.capabilities.vmSlots + 8,
    }),
  ];
  if (opts.capabilities.kvm) {
    workers.push(
      await Worker.create({ ...common, taskQueue: kvmClaimQueue(workflowQueue), activities: claim }),
    );
  }
  return workers;
}

/** Run all workers until one stops (shutdown, or a fatal error, which then stops the rest). */
export async function runWorkers(workers: Worker[]): Promise<void> {
  const stopAll = () => {
    for (const w of workers) if (w.getState() === 'RUNNING') w.shutdown();
  };
  const results = await Promise.allSettled(workers.map((w) => w.run().finally(stopAll)));
  const failed = results.find((r): r is PromiseRejectedResult => r.status === 'rejected');
  if (failed) throw failed.reason;
}
