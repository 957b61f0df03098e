import { WorkflowNotFoundError, type WorkflowHandle } from '@temporalio/client';
import { BISECT_WORKFLOW, MATRIX_WORKFLOW, RUN_WORKFLOW } from '../core/workflow-names';
import { EXIT, exitCodeFor, exitCodeForFailure } from '../core/exit-codes';
import { failureKind } from '../../common/errors';
import { summaryText } from './print';
import { watchRun } from './watch';
import { matrixExitCode, matrixSummaryText, watchMatrix } from '../matrix/matrix-watch';
import { resultText, watchBisect } from '../bisect/bisect-watch';

// `fsto watch ID`: whatever fsto started under that id — a run, a matrix (by hand or a night's)
// or a bisection — followed as the command that started it follows it. Returns the exit code.

export async function watchAny(handle: WorkflowHandle, log: (l: string) => void): Promise<number> {
  const id = handle.workflowId;
  const described = await handle.describe().catch((err: unknown) => {
    if (err instanceof WorkflowNotFoundError) return undefined;
    throw err;
  });
  if (!described) {
    log(`no workflow ${id} on this server (fsto results ${id} reads this host's results store)`);
    return EXIT.badInput;
  }
  const type = described.type;
  if (type === MATRIX_WORKFLOW) {
    const outcome = await watchMatrix(handle, log);
    if (outcome.kind === 'cancelled') return (log(`matrix ${id} was cancelled`), EXIT.cancelled);
    if (outcome.kind === 'failed') {
      log(`matrix ${id} failed (${outcome.failure}): ${outcome.message}`);
      return exitCodeForFailure(outcome.failure);
    }
    log(matrixSummaryText(outcome.summary));
    return matrixExitCode(outcome.summary);
  }
  if (type === BISECT_WORKFLOW) {
    const end = await watchBisect(handle, log);
    if (end.kind === 'failed') {
      log(`bisection ${id} failed: ${end.message}`);
      return exitCodeForFailure(failureKind(end.error));
    }
    log(resultText(end.result));
    return end.result.firstBad ? EXIT.ok : EXIT.testsFailed;
  }
  if (type !== RUN_WORKFLOW) {
    log(
      `${id} is a ${type} workflow, which fsto watch does not follow: give the id of a run, a matrix or a bisection`,
    );
    return EXIT.badInput;
  }
  const outcome = await watchRun(handle, log);
  if (outcome.kind === 'completed' || (outcome.kind === 'cancelled' && outcome.summary)) {
    log(summaryText(outcome.summary!));
    return outcome.kind === 'completed' ? exitCodeFor(outcome.summary.status) : EXIT.cancelled;
  }
  if (outcome.kind === 'cancelled') return (log(`run ${id} was cancelled`), EXIT.cancelled);
  if (outcome.kind === 'failed') {
    log(`run ${id} failed (${outcome.failure}): ${outcome.message}`);
    return exitCodeForFailure(outcome.failure);
  }
  log(`run ${id}: detached`);
  return EXIT.infraError;
}
