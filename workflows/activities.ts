import { proxyActivities } from '@temporalio/workflow';
import type { HostActivities } from '../activities/host/activities';
import { kvmClaimQueue } from '../common/queues';

// Activity proxies, one place, so every step gets the options DESIGN.md asks for.

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
  return proxyActivities<Omit<HostActivities, 'claimHost'>>({
    taskQueue: hostQueue,
    scheduleToStartTimeout: '5m',
    startToCloseTimeout: '5m',
    retry: { maximumAttempts: 3, nonRetryableErrorTypes: ['InvalidSpec', 'HostUnsuitable'] },
  });
}
