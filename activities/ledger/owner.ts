// Which Temporal server and namespace own a run's ledger entries. Two servers can share one
// host's state dir (an embedded `fsto run` next to an `fsto worker --address X`); each may only
// ever release what its own runs hold, because a run one server does not know may well be alive
// on the other. The server is named by its cluster id (stable for as long as its database
// lives, whatever address it listens on); the address is kept for people reading the ledger.

export interface RunOwner {
  clusterId: string;
  namespace: string;
  /** The frontend address the worker used, when it knew it. */
  address?: string;
}

export function sameOwner(a: RunOwner, b: RunOwner): boolean {
  return a.clusterId === b.clusterId && a.namespace === b.namespace;
}

export function isRunOwner(v: unknown): v is RunOwner {
  const o = v as Partial<RunOwner> | null;
  return typeof o?.clusterId === 'string' && o.clusterId !== '' && typeof o.namespace === 'string';
}

interface ClusterInfoSource {
  workflowService: { getClusterInfo(req: object): Promise<{ clusterId?: string | null }> };
}

/** Ask the server who it is (GetClusterInfo). */
export async function serverOwner(
  connection: ClusterInfoSource,
  namespace: string,
  address?: string,
): Promise<RunOwner> {
  const info = await connection.workflowService.getClusterInfo({});
  if (!info.clusterId) throw new Error('the Temporal server did not report a cluster id');
  return { clusterId: info.clusterId, namespace, ...(address ? { address } : {}) };
}
