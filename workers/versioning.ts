import type { WorkerDeploymentOptions } from '@temporalio/worker';
import type { WorkerDeploymentVersion } from '@temporalio/common';

// Worker Deployment versioning (docs/architecture.md, "Versions"): the workers that run workflow
// code — the workflow queue and the claim queues — belong to the deployment `fsto-<queue>`, version
// = the workflow bundle's content key, and pin every run to the version that started it. A
// host's own queue stays unversioned: its steps run whatever fsto the host has now, for runs of
// any version (activities are a host's code, not the run's).

export function deploymentName(workflowQueue: string): string {
  return `fsto-${workflowQueue}`;
}

export function workerVersion(workflowQueue: string, buildId: string): WorkerDeploymentVersion {
  return { deploymentName: deploymentName(workflowQueue), buildId };
}

export function pinnedDeployment(version: WorkerDeploymentVersion): WorkerDeploymentOptions {
  return { version, useWorkerVersioning: true, defaultVersioningBehavior: 'PINNED' };
}

/** The CLI command that makes a version current (printed when a worker does not do it itself). */
export function setCurrentArgv(v: WorkerDeploymentVersion, namespace: string): string[] {
  return [
    'temporal',
    'worker',
    'deployment',
    'set-current-version',
    '--namespace',
    namespace,
    '--deployment-name',
    v.deploymentName,
    '--build-id',
    v.buildId,
  ];
}
