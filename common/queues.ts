// Task queue names. Workflows and the claim step live on shared queues; everything that
// touches a host is proxied to that host's own queue so one run keeps one host (docs/architecture.md, Task queues).
export const WORKFLOW_QUEUE = 'fstests';

/**
 * The claim queue for runs that require KVM, polled only by workers whose KVM probe booted a
 * real guest. Derived from the workflow queue so a test (or a second deployment) can use its
 * own pair of queues on one server.
 */
export function kvmClaimQueue(workflowQueue: string): string {
  return `${workflowQueue}-kvm`;
}

/**
 * The night's notification when no host ran it (workflows/matrix.ts): polled by every worker of
 * the workflow queue, never through the claim gate — a night goes unrun exactly when every VM
 * slot is held, and a notification waiting for a slot would be lost.
 */
export function notifyQueue(workflowQueue: string): string {
  return `${workflowQueue}-notify`;
}

/** One queue per host, stable across restarts, so queued cleanup drains when a host returns. */
export function hostQueue(hostId: string): string {
  return `fsto-host-${hostId}`;
}
