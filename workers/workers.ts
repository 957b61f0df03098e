import { fileURLToPath } from 'node:url';
import { Worker, type NativeConnection } from '@temporalio/worker';
import { kvmClaimQueue, WORKFLOW_QUEUE } from '../common/queues';
import type { HostCapabilities } from '../common/schemas';
import { createHostActivities } from '../activities/host/activities';

export const workflowsPath = fileURLToPath(new URL('../workflows/index.ts', import.meta.url));

export interface WorkerSetOptions {
  connection: NativeConnection;
  namespace?: string;
  capabilities: HostCapabilities;
  stateDir: string;
  /** Defaults to `fstests`; tests use their own. */
  workflowQueue?: string;
  /** A prebuilt bundle (tests build one per run); otherwise bundled from workflowsPath. */
  workflowBundle?: { codePath: string };
  /** Long enough to stop a VM in an orderly way when the worker is asked to stop. */
  shutdownGraceTimeMs?: number;
}

/**
 * The workers of one host: workflows + claim on the shared queue, claim on the KVM queue only
 * when the KVM probe passed, and the host's own queue for every step of the runs it claimed.
 */
export async function createWorkers(opts: WorkerSetOptions): Promise<Worker[]> {
  const workflowQueue = opts.workflowQueue ?? WORKFLOW_QUEUE;
  const host = createHostActivities({ capabilities: opts.capabilities, stateDir: opts.stateDir });
  const common = {
    connection: opts.connection,
    namespace: opts.namespace ?? 'default',
    shutdownGraceTime: opts.shutdownGraceTimeMs ?? 30_000,
  };
  const claim = { claimHost: host.claimHost };
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
      activities: host,
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
