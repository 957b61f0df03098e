import { WORKFLOW_QUEUE } from '../common/queues';
import { runWorkers } from '../workers/workers';
import { startHost } from '../workers/host';
import { installRuntime } from '../workers/runtime';
import { openRuns, resumeText } from './open-runs';
import type { Session } from './temporal';

export interface EmbeddedOptions {
  /** Where to say which open runs this worker will resume (default: stderr). */
  announce?: (line: string) => void;
  /** The command handles Ctrl-C itself (cancel, then detach); otherwise the SDK shuts the worker down. */
  ownSignals?: boolean;
  taskQueue?: string;
}

/**
 * In the embedded default the CLI is also the worker: start this host's workers in-process for
 * the duration of `fn`, then shut them down (waiting for cleanup steps to finish). Runs left open
 * by an earlier command resume in this worker: they are named first.
 */
export async function withEmbeddedWorker<T>(
  session: Session,
  fn: () => Promise<T>,
  o: EmbeddedOptions = {},
): Promise<T> {
  if (!session.embedded) return fn();
  installRuntime({ logLevel: 'ERROR', ...(o.ownSignals ? { shutdownSignals: [] } : {}) });
  const announce = o.announce ?? ((l: string) => console.error(l));
  const workflowQueue = o.taskQueue ?? WORKFLOW_QUEUE;
  const open = await openRuns(session.client, workflowQueue).catch(() => []);
  for (const line of resumeText(open)) announce(line);
  const host = await startHost({
    connection: session.connection,
    namespace: session.namespace,
    workflowQueue,
    log: () => {},
    auditToStderr: false,
  });
  const running = runWorkers(host.workers);
  try {
    return await fn();
  } finally {
    for (const w of host.workers) if (w.getState() === 'RUNNING') w.shutdown();
    await running;
    await host.close();
  }
}
