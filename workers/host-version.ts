import type { WorkerDeploymentVersion } from '@temporalio/common';
import { workerVersion } from './versioning';
import { fstoEnv } from '../activities/settings';

// Whether this host's workers are versioned. 'auto': yes with a build id, unless the server is a
// dev server (`temporal server start-dev`, SQLite: the embedded default and `fsto up`). There one
// host's fsto is the only worker, so there is no other build to pin a run to: a run left open
// by an older fsto resumes on the new code as it always did, with no promotion step.

export type Versioning = 'auto' | 'on' | 'off';

export function parseVersioning(v: string | undefined): Versioning {
  if (v === undefined || v === '') return 'auto';
  if (v === 'auto' || v === 'on' || v === 'off') return v;
  throw new Error(`give auto, on or off (--versioning, env FSTO_VERSIONING), not ${JSON.stringify(v)}`);
}

interface ClusterInfo {
  workflowService: { getClusterInfo(req: object): Promise<{ persistenceStore?: string | null }> };
}

export async function hostVersion(
  connection: ClusterInfo,
  workflowQueue: string,
  o: { buildId?: string; versioning?: Versioning },
): Promise<WorkerDeploymentVersion | undefined> {
  const mode = o.versioning ?? parseVersioning(fstoEnv('FSTO_VERSIONING'));
  if (mode === 'off') return undefined;
  if (!o.buildId) {
    if (mode === 'on') throw new Error('worker versioning is on but this worker has no build id');
    return undefined;
  }
  if (mode === 'auto') {
    const info = await connection.workflowService.getClusterInfo({});
    if (info.persistenceStore === 'sqlite') return undefined;
  }
  return workerVersion(workflowQueue, o.buildId);
}
