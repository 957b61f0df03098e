import { WORKFLOW_QUEUE } from '../../common/queues';
import { stateDir } from '../../activities/settings';
import { bgPid } from '../server/background';
import { buildWorkflowBundle, cachedBundle } from './bundle-cache';
import { openRuns, resumeText } from './open-runs';
import type { Session } from '../server/temporal';

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
 * by an earlier command resume in this worker: they are named first. A background worker of
 * `fsto up` serving the queue takes the work instead (fn is told: inProcess false).
 */
export async function withEmbeddedWorker<T>(
  session: Session,
  fn: (inProcess: boolean) => Promise<T>,
  o: EmbeddedOptions = {},
): Promise<T> {
  const workflowQueue = o.taskQueue ?? WORKFLOW_QUEUE;
  if (!session.embedded) return fn(false);
  if (workflowQueue === WORKFLOW_QUEUE && (await bgPid(stateDir(), 'worker'))) return fn(false);
  // Loaded only here: the worker side (native core, webpack) is most of a cold start.
  const [{ runWorkers }, { startHost }, { installRuntime }] = await Promise.all([
    import('../../workers/workers'),
    import('../../workers/host'),
    import('../../workers/runtime'),
  ]);
  installRuntime({ logLevel: 'ERROR', ...(o.ownSignals ? { shutdownSignals: [] } : {}) });
  const announce = o.announce ?? ((l: string) => console.error(l));
  const open = await openRuns(session.client, workflowQueue).catch(() => []);
  for (const line of resumeText(open)) announce(line);
  const bundle = await cachedBundle(stateDir(), buildWorkflowBundle);
  const host = await startHost({
    connection: session.connection,
    namespace: session.namespace,
    workflowQueue,
    workflowBundle: { codePath: bundle.codePath },
    log: () => {},
    auditToStderr: false,
  });
  const running = runWorkers(host.workers);
  try {
    return await fn(true);
  } finally {
    for (const w of host.workers) if (w.getState() === 'RUNNING') w.shutdown();
    await running;
    await host.close();
  }
}
