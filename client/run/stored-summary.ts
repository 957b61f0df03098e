import { openResultsStore } from '../../activities/results/store';
import { RunStatus, type RunSummary } from '../../common/schemas';

/**
 * A run's summary from this host's results store: what `fsto results` answers once Temporal's
 * retention has dropped the workflow (or when asked on the host without a server).
 */
export async function storedSummary(workflowId: string): Promise<RunSummary | undefined> {
  const store = openResultsStore();
  const run = await store.getRun(workflowId);
  if (!run) return undefined;
  const rows = await store.runRows(workflowId);
  const status = RunStatus.safeParse(run.status);
  return {
    workflowId,
    status: status.success ? status.data : 'error',
    resultsDir: run.resultsDir,
    hostId: run.host,
    ...(run.kernelRelease ? { kernelRelease: run.kernelRelease } : {}),
    tests: rows.map((r) => ({
      name: r.test,
      verdict: r.verdict,
      durationSec: r.durationSec,
      ...(r.reason ? { reason: r.reason } : {}),
      ...(r.crashSignature ? { crashSignature: r.crashSignature } : {}),
    })),
  };
}
