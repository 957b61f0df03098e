import { PRIORITY } from '../../common/priority';
import type { Command } from 'commander';
import { WORKFLOW_QUEUE } from '../../common/queues';
import { uiLink } from '../../common/ui-link';
import { addConnectionOptions, type ConnectOpts } from '../server/connection';
import { withEmbeddedWorker } from '../worker/embedded-worker';
import { EXIT, exitCodeForFailure } from '../core/exit-codes';
import { MATRIX_WORKFLOW, matrixId, matrixName, matrixStartFields } from '../matrix/matrix-start';
import type { MatrixWorkflow } from '../core/workflow-names';
import { matrixExitCode, matrixSummaryText, watchMatrix } from '../matrix/matrix-watch';
import { loadMatrixSpec, SpecFileError } from '../core/spec-file';
import { openSession } from '../server/temporal';

interface MatrixFlags extends ConnectOpts {
  spec: string;
  json?: boolean;
  taskQueue: string;
}

export function registerMatrixCommand(program: Command): void {
  const cmd = program
    .command('matrix')
    .description('run fstests for every config × kernel of a spec file (JSON or YAML) and compare')
    .requiredOption('--spec <file>', 'the matrix spec (JSON or YAML); relative paths are from its directory')
    .option('--json', 'print the matrix summary as JSON')
    .option('--task-queue <queue>', 'workflow task queue', WORKFLOW_QUEUE);
  addConnectionOptions(cmd).action(async (f: MatrixFlags) => {
    process.exitCode = await matrixCommand(f);
  });
}

/** The command's work; returns the exit code (0 only when every run passed). */
export async function matrixCommand(f: MatrixFlags): Promise<number> {
  // Validate before anything is started: no server, no worker, no workflow for a typo.
  let loaded;
  try {
    loaded = await loadMatrixSpec(f.spec);
  } catch (err) {
    if (!(err instanceof SpecFileError)) throw err;
    console.error(`fsto matrix: ${err.message}`);
    return EXIT.badInput;
  }
  const log = (l: string) => (f.json ? console.error(l) : console.log(l));
  const session = await openSession(f);
  try {
    return await withEmbeddedWorker(session, async () => {
      const name = matrixName(loaded.spec, loaded.path);
      const workflowId = matrixId(name);
      const handle = await session.client.workflow.start<MatrixWorkflow>(MATRIX_WORKFLOW, {
        taskQueue: f.taskQueue,
        workflowId,
        ...matrixStartFields(loaded.spec, loaded.path, name),
        priority: PRIORITY.matrix,
      });
      log(`matrix ${workflowId} started`);
      if (session.uiBase) log(`Temporal UI: ${uiLink(session.uiBase, session.namespace, workflowId)}`);
      const outcome = await watchMatrix(handle, log);
      if (outcome.kind === 'cancelled') {
        log(`matrix ${workflowId} was cancelled`);
        return EXIT.cancelled;
      }
      if (outcome.kind === 'failed') {
        console.error(`matrix ${workflowId} failed (${outcome.failure}): ${outcome.message}`);
        return exitCodeForFailure(outcome.failure);
      }
      if (f.json) console.log(JSON.stringify(outcome.summary, null, 2));
      else console.log(matrixSummaryText(outcome.summary));
      return matrixExitCode(outcome.summary);
    });
  } finally {
    await session.close();
  }
}
