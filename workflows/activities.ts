import { ActivityCancellationType, proxyActivities } from '@temporalio/workflow';
import type { HostActivities } from '../activities/host/activities';
import type { DeviceActivities } from '../activities/devices/activities';
import type { FstestsActivities } from '../activities/fstests/activities';
import type { ResultsActivities } from '../activities/results/activities';
import { kvmClaimQueue } from '../common/queues';

// Activity proxies, one place, so every step gets the options DESIGN.md asks for.

const NON_RETRYABLE = ['InvalidSpec', 'HostUnsuitable'];

/** The claim step on a shared queue; without a KVM host the run must say so, not wait forever. */
export function claimProxy(workflowQueue: string, requireKvm: boolean) {
  return proxyActivities<Pick<HostActivities, 'claimHost'>>({
    // The workflow's own queue: workers that run our workflows can claim runs.
    taskQueue: requireKvm ? kvmClaimQueue(workflowQueue) : workflowQueue,
    scheduleToStartTimeout: '10m',
    startToCloseTimeout: '1m',
    retry: { maximumAttempts: 3 },
  });
}

/**
 * Steps on the claimed host's own queue. scheduleToStartTimeout is how a dead host is noticed:
 * nobody polls its queue, so the step times out and the run can claim another host.
 */
export function hostProxy(hostQueue: string) {
  const quick = proxyActivities<Omit<HostActivities, 'claimHost'> & Pick<DeviceActivities, 'planDevices'>>({
    taskQueue: hostQueue,
    scheduleToStartTimeout: '5m',
    startToCloseTimeout: '5m',
    retry: { maximumAttempts: 3, nonRetryableErrorTypes: NON_RETRYABLE },
  });
  const devices = proxyActivities<Pick<DeviceActivities, 'setupDevices'>>({
    taskQueue: hostQueue,
    scheduleToStartTimeout: '5m',
    startToCloseTimeout: '30m',
    heartbeatTimeout: '2m',
    cancellationType: ActivityCancellationType.WAIT_CANCELLATION_COMPLETED,
    retry: { maximumAttempts: 3, nonRetryableErrorTypes: NON_RETRYABLE },
  });
  const tests = proxyActivities<Pick<FstestsActivities, 'runTestBatch'>>({
    taskQueue: hostQueue,
    scheduleToStartTimeout: '5m',
    startToCloseTimeout: '48h',
    // Boot and every test heartbeat; a worker killed mid-batch is noticed within this, and the
    // retry (on the same host's queue) kills the orphaned VM and resumes after the last test.
    heartbeatTimeout: '90s',
    cancellationType: ActivityCancellationType.WAIT_CANCELLATION_COMPLETED,
    retry: { maximumAttempts: 4, initialInterval: '5s', nonRetryableErrorTypes: NON_RETRYABLE },
  });
  // proxyActivities returns a Proxy with no own keys: spreading it would copy nothing.
  return {
    prepareRun: quick.prepareRun,
    planDevices: quick.planDevices,
    setupDevices: devices.setupDevices,
    runTestBatch: tests.runTestBatch,
  };
}

/** Cleanup: retried for a long time, because a leaked loop device outlives everything. */
export function cleanupProxy(hostQueue: string) {
  return proxyActivities<
    Pick<HostActivities, 'releaseRun'> &
      Pick<FstestsActivities, 'finishRun'> &
      Pick<ResultsActivities, 'recordRunResults'>
  >({
    taskQueue: hostQueue,
    scheduleToStartTimeout: '10m',
    startToCloseTimeout: '10m',
    retry: { maximumAttempts: 10, maximumInterval: '1m' },
  });
}

/** The matrix's report and comparison, written from the results store of a host that ran it. */
export function reportProxy(hostQueue: string) {
  return proxyActivities<Pick<ResultsActivities, 'writeResultsReport'>>({
    taskQueue: hostQueue,
    scheduleToStartTimeout: '10m',
    startToCloseTimeout: '10m',
    retry: { maximumAttempts: 5 },
  });
}
