import { runWorkers } from '../workers/workers';
import { startHost } from '../workers/host';
import { installRuntime } from '../workers/runtime';
import type { Session } from './temporal';

/**
 * In the embedded default the CLI is also the worker: start this host's workers in-process for
 * the duration of `fn`, then shut them down (waiting for cleanup steps to finish).
 */
export async function withEmbeddedWorker<T>(session: Session, fn: () => Promise<T>): Promise<T> {
  if (!session.embedded) return fn();
  installRuntime({ logLevel: 'ERROR' });
  const host = await startHost({
    connection: session.connection,
    namespace: session.namespace,
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
