import { ActivityCancellationType, proxyActivities, type ActivityOptions } from '@temporalio/workflow';
import type { HostActivities } from '../activities/host/activities';
import type { DeviceActivities } from '../activities/devices/activities';
import type { FstestsActivities } from '../activities/fstests/activities';
import type { ResultsActivities } from '../activities/results/activities';
import type { KernelBuildActivities } from '../activities/kernel-build/activities';
import { kvmClaimQueue } from '../common/queues';
import type { BatchInput } from '../common/schemas';
import { HOST_UNSUITABLE, INVALID_SPEC } from '../common/errors';

// Activity proxies, one place, so every step gets its timeouts, heartbeats and retries.

const NON_RETRYABLE = [INVALID_SPEC, HOST_UNSUITABLE];

/**
 * The claim step on a shared queue. Hosts poll it only with a VM slot free, so a claim waits in
 * the queue for as long as every host is busy (no limit: a busy cluster is normal). A KVM claim
 * gives up after a day, so a cluster without any KVM host says so. The claim may also wait for
 * its slot inside the activity (another process of that host took it first): it heartbeats.
 * With `withinSec` (a night's claimWithinSec) a claim no host started by then fails with a
 * schedule-to-start timeout, never retried: the run ends unclaimed (claim-deadline.ts).
 */
export function claimProxy(workflowQueue: string, requireKvm: boolean, withinSec?: number) {
  return proxyActivities<Pick<HostActivities, 'claimHost'>>({
    // The workflow's own queue: workers that run our workflows can claim runs.
    taskQueue: requireKvm ? kvmClaimQueue(workflowQueue) : workflowQueue,
    summary: requireKvm ? 'claim a KVM host' : 'claim a host',
    ...(withinSec !== undefined
      ? { scheduleToStartTimeout: `${withinSec}s` }
      : requireKvm
        ? { scheduleToStartTimeout: '24h' }
        : {}),
    startToCloseTimeout: '24h',
    heartbeatTimeout: '1m',
    retry: { maximumAttempts: 5 },
  });
}

/**
 * Steps on the claimed host's own queue. scheduleToStartTimeout is how a dead host is noticed:
 * nobody polls its queue, so the step times out and the run can claim another host.
 */
export function hostProxy(hostQueue: string, hostLossTimeoutSec = 300) {
  const quick: ActivityOptions = {
    taskQueue: hostQueue,
    scheduleToStartTimeout: `${hostLossTimeoutSec}s`,
    startToCloseTimeout: '5m',
    retry: { maximumAttempts: 3, nonRetryableErrorTypes: NON_RETRYABLE },
  };
  const devices: ActivityOptions = {
    ...quick,
    startToCloseTimeout: '30m',
    heartbeatTimeout: '2m',
    cancellationType: ActivityCancellationType.WAIT_CANCELLATION_COMPLETED,
  };
  const tests: ActivityOptions = {
    ...quick,
    startToCloseTimeout: '48h',
    // Boot and every test heartbeat; a worker killed mid-batch is noticed within this, and the
    // retry (on the same host's queue) kills the orphaned VM and resumes after the last test.
    heartbeatTimeout: '90s',
    cancellationType: ActivityCancellationType.WAIT_CANCELLATION_COMPLETED,
    retry: { maximumAttempts: 4, initialInterval: '5s', nonRetryableErrorTypes: NON_RETRYABLE },
  };
  const build: ActivityOptions = {
    ...quick,
    // A kernel build can take an hour; make's output heartbeats (a dead worker: noticed in 2 min).
    startToCloseTimeout: '12h',
    heartbeatTimeout: '2m',
    cancellationType: ActivityCancellationType.WAIT_CANCELLATION_COMPLETED,
  };
  const acts = proxyActivities<
    Omit<HostActivities, 'claimHost'> &
      DeviceActivities &
      Pick<FstestsActivities, 'runTestBatch'> &
      Pick<KernelBuildActivities, 'buildKernel'>
  >(quick);
  // One line per step in the UI's timeline (call-site options merge over the proxy's).
  return {
    buildKernel: (i: Parameters<KernelBuildActivities['buildKernel']>[0]) =>
      acts.buildKernel.executeWithOptions(
        {
          ...build,
          summary: `build the kernel: ${i.source.tree} at ${i.source.ref} (cached by commit, config, toolchain)`,
        },
        [i],
      ),
    prepareRun: (i: Parameters<HostActivities['prepareRun']>[0]) =>
      acts.prepareRun.executeWithOptions({ ...quick, summary: 'prepare the run: fstests tree, kernel' }, [i]),
    planDevices: (i: Parameters<DeviceActivities['planDevices']>[0]) =>
      acts.planDevices.executeWithOptions({ ...quick, summary: 'validate and plan the devices' }, [i]),
    setupDevices: (i: Parameters<DeviceActivities['setupDevices']>[0]) =>
      acts.setupDevices.executeWithOptions(
        { ...devices, summary: `set up ${i.plan.devices.length} devices (TEST_DEV, SCRATCH_DEV, …)` },
        [i],
      ),
    runTestBatch: (i: BatchInput) =>
      acts.runTestBatch.executeWithOptions({ ...tests, summary: batchSummary(i) }, [i]),
  };
}

function batchSummary(i: BatchInput): string {
  const what = i.pull
    ? `tests pulled from the matrix (shard ${i.pull.shard})`
    : i.list
      ? 'list the selection, then run it'
      : `${i.selection.tests.length} test(s)`;
  return `${i.label}: boot a ${i.vm.backend} guest, run ${what}`;
}

/** Cleanup: retried for a long time, because a leaked loop device outlives everything. */
export function cleanupProxy(hostQueue: string) {
  return proxyActivities<
    Pick<HostActivities, 'releaseRun'> &
      Pick<ResultsActivities, 'fileRunResults' | 'finishRun' | 'recordRunResults'>
  >({
    taskQueue: hostQueue,
    scheduleToStartTimeout: '10m',
    startToCloseTimeout: '10m',
    retry: { maximumAttempts: 10, maximumInterval: '1m' },
    summary: 'cleanup: collect results, release devices and VMs',
  });
}

/** The matrix's report and comparison, written from the results store of a host that ran it. */
export function reportProxy(hostQueue: string) {
  return proxyActivities<Pick<ResultsActivities, 'writeResultsReport'>>({
    taskQueue: hostQueue,
    scheduleToStartTimeout: '10m',
    startToCloseTimeout: '10m',
    retry: { maximumAttempts: 5 },
    summary: 'matrix report and baseline comparison',
  });
}

/** A night's confirmation: the failure rates of its regressed tests in the store (quick). */
export function ratesProxy(hostQueue: string) {
  return proxyActivities<Pick<ResultsActivities, 'failureRates'>>({
    taskQueue: hostQueue,
    scheduleToStartTimeout: '10m',
    startToCloseTimeout: '5m',
    retry: { maximumAttempts: 5 },
    summary: 'failure rates of the regressed tests (confirmation)',
  });
}

/** The night's notification (webhook, mail): quick, a few tries; its failure costs only itself. */
export function notifyProxy(hostQueue: string) {
  return proxyActivities<Pick<ResultsActivities, 'notifyNight'>>({
    taskQueue: hostQueue,
    scheduleToStartTimeout: '10m',
    startToCloseTimeout: '2m',
    retry: { maximumAttempts: 3 },
    summary: 'morning notification: webhook, mail',
  });
}
