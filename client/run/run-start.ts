import { PRIORITY } from '../../common/priority';
import type { Client, WorkflowHandle } from '@temporalio/client';
import { kernelLabel } from '../../common/schemas/kernel-source';
import { SA_FS_CONFIG } from '../../common/search-attributes';
import { uiLink } from '../../common/ui-link';
import type { ValidRun } from './run-prepare';
import { runId } from '../core/run-id';
import { RUN_WORKFLOW, type RunWorkflow } from '../core/workflow-names';

// Starting one run, the same wherever it happens: in this command, or in `fsto up`'s worker when
// the command hands the start over (client/run/local-start.ts). Nothing here loads the client.

/** A new run's workflow id: fsto-xfs-4k-20261121-223015-3fa2. */
export const runWorkflowId = (run: ValidRun) => runId(run.label.split(' ')[0]!.replace('/', '-'));

/** The start options of a run: its queue, id, spec, search attribute and what the UI shows. */
export function startOptions(run: ValidRun, taskQueue: string, workflowId: string) {
  const { spec, label } = run;
  const what = spec.tests.join(' ') || spec.groups.map((g) => `-g ${g}`).join(' ') || 'all';
  return {
    taskQueue,
    workflowId,
    args: [spec] as [typeof spec],
    typedSearchAttributes: [{ key: SA_FS_CONFIG, value: spec.resultsMeta?.config ?? spec.fs }],
    staticSummary: `fstests ${label}: ${what}`,
    staticDetails: `fstests: ${spec.fstests}\nkernel: ${kernelLabel(spec.kernel)}`,
    priority: PRIORITY.interactive,
  };
}

/**
 * Start it; one already started under this id (a hand-over whose answer was lost) is the same
 * run, not an error.
 */
export async function startRun(
  client: Client,
  run: ValidRun,
  taskQueue: string,
  workflowId: string,
): Promise<WorkflowHandle> {
  try {
    return await client.workflow.start<RunWorkflow>(RUN_WORKFLOW, startOptions(run, taskQueue, workflowId));
  } catch (err) {
    if ((err as Error).name !== 'WorkflowExecutionAlreadyStartedError') throw err;
    return client.workflow.getHandle(workflowId);
  }
}

/** What the command says once a run started: its id, and where the UI shows it (embedded server). */
export function startedLines(
  workflowId: string,
  label: string,
  ui?: { base: string; namespace: string },
): string[] {
  return [
    `run ${workflowId} started (${label})`,
    ...(ui ? [`  Temporal UI: ${uiLink(ui.base, ui.namespace, workflowId)}`] : []),
  ];
}
