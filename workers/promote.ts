import type { WorkerDeploymentVersion } from '@temporalio/common';

// How a version becomes current (new runs start on it; pinned runs stay where they are):
// - 'if-none': only when its deployment has no current version yet — the first worker of a new
//   cluster (or of a new queue) needs no extra step; a later build waits for the operator
//   (`temporal worker deployment set-current-version`, or `fsto worker --make-current`), so a
//   host restarted on new code never moves new runs to a build the others do not run yet.
// - 'always': the operator's promotion (`fsto worker --make-current`).
// The version exists on the server only once one of its workers polled: retried until then.

export type Promotion = 'if-none' | 'always';

interface RoutingConfig {
  currentDeploymentVersion?: { buildId?: string | null } | null;
}

export interface DeploymentService {
  describeWorkerDeployment(req: { namespace: string; deploymentName: string }): Promise<{
    conflictToken?: Uint8Array | null;
    workerDeploymentInfo?: { routingConfig?: RoutingConfig | null } | null;
  }>;
  setWorkerDeploymentCurrentVersion(req: {
    namespace: string;
    deploymentName: string;
    buildId: string;
    conflictToken?: Uint8Array | null;
    identity: string;
  }): Promise<unknown>;
}

export interface PromoteResult {
  /** The current build id afterwards (ours, or the one left current). */
  current: string;
  changed: boolean;
}

export async function promote(
  svc: DeploymentService,
  namespace: string,
  v: WorkerDeploymentVersion,
  policy: Promotion,
  o: { deadlineMs?: number; pauseMs?: number; identity?: string } = {},
): Promise<PromoteResult> {
  const until = Date.now() + (o.deadlineMs ?? 60_000);
  for (;;) {
    try {
      const d = await svc.describeWorkerDeployment({ namespace, deploymentName: v.deploymentName });
      const current = d.workerDeploymentInfo?.routingConfig?.currentDeploymentVersion?.buildId ?? '';
      if (current === v.buildId) return { current, changed: false };
      if (current && policy === 'if-none') return { current, changed: false };
      await svc.setWorkerDeploymentCurrentVersion({
        namespace,
        deploymentName: v.deploymentName,
        buildId: v.buildId,
        // Another worker promoting at the same moment makes this fail: described again.
        conflictToken: d.conflictToken ?? null,
        identity: o.identity ?? `fsto-worker-${process.pid}`,
      });
      return { current: v.buildId, changed: true };
    } catch (err) {
      // NOT_FOUND / FAILED_PRECONDITION until the server registered our pollers.
      if (Date.now() >= until) throw err;
      await new Promise((r) => setTimeout(r, o.pauseMs ?? 1000));
    }
  }
}
