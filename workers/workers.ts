import { fileURLToPath } from 'node:url';
import { MAX_HEARTBEAT_THROTTLE } from './heartbeat-throttle';
import { Client, type Connection } from '@temporalio/client';
import type { WorkerDeploymentVersion } from '@temporalio/common';
import { Worker, type NativeConnection } from '@temporalio/worker';
import { createAudit } from '../activities/audit';
import { createDeviceActivities } from '../activities/devices/activities';
import { createFstestsActivities } from '../activities/fstests/activities';
import { createHostActivities } from '../activities/host/activities';
import { createKernelBuildActivities } from '../activities/kernel-build/activities';
import { Ledger } from '../activities/ledger/ledger';
import { serverOwner, type RunOwner } from '../activities/ledger/owner';
import { createResultsActivities } from '../activities/results/activities';
import { resultsLocation } from '../activities/results/store';
import { probeKvm } from '../activities/vm';
import {
  batchProgressSignal,
  nextTestUpdate,
  offerListingUpdate,
  pullPeekQuery,
  pullReadyQuery,
} from '../common/queries';
import { kvmClaimQueue, quickQueue, WORKFLOW_QUEUE } from '../common/queues';
import type { HostCapabilities } from '../common/schemas';
import type { FstoMetrics } from './metrics';
import { pinnedDeployment } from './versioning';
import { hostReleasers } from './releasers';
import { claimGate, claimTuner, quickTuner } from './claim-gate';
import { vmLimit } from './vm-limit';
import { SHUTDOWN, VM_STOP_BUDGET_MS } from './shutdown';
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
  /** When set, the workflow and claim workers are this deployment version, runs pinned to it. */
  version?: WorkerDeploymentVersion;
  /** How long steps in flight may finish before they are cancelled (workers/shutdown.ts). */
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
  let owner: Promise<RunOwner> | undefined;
  const ownerOnce = () =>
    (owner ??= serverOwner(
      opts.connection,
      opts.namespace ?? 'default',
      opts.clientConnection?.options.address,
    ));
  const fstests = createFstestsActivities({
    ledger,
    stateDir: opts.stateDir,
    releasers,
    vm: { ledger, stateDir: opts.stateDir, probeKvm },
    ...(opts.metrics ? { metrics: opts.metrics } : {}),
    ...(client
      ? {
          notify: async (workflowId, s) =>
            client.workflow.getHandle(workflowId).signal(batchProgressSignal, s),
          pull: {
            next: (parent, req) =>
              client.workflow.getHandle(parent).executeUpdate(nextTestUpdate, { args: [req] }),
            offer: (parent, offer) =>
              client.workflow.getHandle(parent).executeUpdate(offerListingUpdate, { args: [offer] }),
            ready: (parent, shard) => client.workflow.getHandle(parent).query(pullReadyQuery, shard),
            peek: (parent, shard) => client.workflow.getHandle(parent).query(pullPeekQuery, shard),
          },
        }
      : {}),
  });
  return {
    ...createHostActivities({
      capabilities: opts.capabilities,
      stateDir: opts.stateDir,
      ledger,
      releasers,
      owner: ownerOnce,
    }),
    // The configured store (FSTO_RESULTS_URL: one PostgreSQL for the cluster), else this host's file.
    ...createResultsActivities({ storePath: resultsLocation(opts.stateDir) }),
    ...createDeviceActivities({
      stateDir: opts.stateDir,
      tmpfsBudgetBytes: opts.capabilities.tmpfsBudgetBytes,
      audit: createAudit(opts.stateDir, { stderr: opts.auditToStderr ?? true }),
    }),
    ...fstests,
    ...createKernelBuildActivities({ stateDir: opts.stateDir, hostId: opts.capabilities.hostId }),
    // VM work under a limit equal to the slots (admission keeps it from binding; see vm-limit).
    runTestBatch: vmLimit(opts.capabilities.vmSlots)(fstests.runTestBatch),
  };
}

/**
 * The workers of one host: workflows + claim on the shared queue, claim on the KVM queue only
 * when the KVM probe passed (both polled for claims only while a VM slot is free), quick
 * host-independent activities on the quick queue (never gated), and the host's own
 * queue for every step of the runs it claimed.
 */
export async function createWorkers(opts: WorkerSetOptions): Promise<Worker[]> {
  const workflowQueue = opts.workflowQueue ?? WORKFLOW_QUEUE;
  const acts = hostActivities(opts);
  const common = {
    connection: opts.connection,
    namespace: opts.namespace ?? 'default',
    shutdownGraceTime: opts.shutdownGraceTimeMs ?? SHUTDOWN.graceMs,
    shutdownForceTime: Math.max(SHUTDOWN.forceMs, (opts.shutdownGraceTimeMs ?? 0) + 2 * VM_STOP_BUDGET_MS),
    maxHeartbeatThrottleInterval: MAX_HEARTBEAT_THROTTLE,
  };
  // Before ungated-lookups a bisection's git look-ups (its range, the answer's subject) and a
  // nightly's branch head ran where its workflow does, and before night-notify-ungated so was a
  // night no host ran told: they now run on the quick queue (below); open runs of before still
  // call them here.
  const quick = {
    notifyNight: acts.notifyNight,
    listBisectCommits: acts.listBisectCommits,
    commitSubject: acts.commitSubject,
    resolveKernelHead: acts.resolveKernelHead,
  };
  const claim = { claimHost: acts.claimHost, ...quick };
  // Workflow code and claims follow the run's version; the host queue serves runs of any version.
  const versioned = opts.version ? { workerDeploymentOptions: pinnedDeployment(opts.version) } : {};
  // One gate for both claim queues: a host polls them only with a VM slot free.
  const tuner = claimTuner(
    claimGate({ ledger: new Ledger(join(opts.stateDir, 'ledger')), vmSlots: opts.capabilities.vmSlots }),
  );
  const workers = [
    await Worker.create({
      ...common,
      ...versioned,
      taskQueue: workflowQueue,
      ...(opts.workflowBundle ? { workflowBundle: opts.workflowBundle } : { workflowsPath }),
      activities: claim,
      tuner,
    }),
    // Quick steps that need no particular host (a night no host ran is told, a branch head
    // resolved, a bisection's commits listed, from git trees at paths every host of this queue
    // has): beside every claim worker, but with fixed slots — every VM slot may be held then.
    // Unversioned, as host queues are: these steps are the same for every build.
    await Worker.create({
      ...common,
      taskQueue: quickQueue(workflowQueue),
      activities: quick,
      tuner: quickTuner(),
    }),
    await Worker.create({
      ...common,
      taskQueue: opts.capabilities.hostQueue,
      activities: acts,
      // Never the bound: a step left waiting in this queue would look like a lost host
      // (scheduleToStartTimeout). Runs are bounded by admission (a VM slot each, one step at a
      // time), VM work by vmLimit.
      maxConcurrentActivityTaskExecutions: 200,
    }),
  ];
  if (opts.capabilities.kvm) {
    workers.push(
      await Worker.create({
        ...common,
        ...versioned,
        taskQueue: kvmClaimQueue(workflowQueue),
        activities: claim,
        tuner,
      }),
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
