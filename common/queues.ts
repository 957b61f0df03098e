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
 * The ungated queue for quick host-independent activities, polled by every worker of the
 * workflow queue with fixed slots, never through the claim gate: the night's notification when
 * no host ran it (workflows/matrix.ts), a nightly's branch head (kernel-heads.ts) and a
 * bisection's git look-ups (bisect.ts). Each of them may be due exactly when every VM slot is
 * held (the night went unrun; a busy cluster; the bisection's own steps hold the slots), and
 * must not wait for one. Named `-notify` after its first use; the name stays for open histories.
 */
export function quickQueue(workflowQueue: string): string {
  return `${workflowQueue}-notify`;
}

/** One queue per host, stable across restarts, so queued cleanup drains when a host returns. */
export function hostQueue(hostId: string): string {
  return `fsto-host-${hostId}`;
}
