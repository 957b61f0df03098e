import type { WorkflowHandle } from '@temporalio/client';
import { SA_FS_CONFIG } from '../common/search-attributes';
import { uiLink } from './dev-server-argv';
import type { ValidRun } from './run-prepare';
import { runId } from './run-id';
import type { Session } from './temporal';

/** Start one run; say its id and where the UI shows it. */
export async function startRun(
  session: Session,
  run: ValidRun,
  taskQueue: string,
  log: (l: string) => void,
): Promise<WorkflowHandle> {
  const { spec, label } = run;
  const workflowId = runId(label.split(' ')[0]!.replace('/', '-'));
  const what = spec.tests.join(' ') || spec.groups.map((g) => `-g ${g}`).join(' ') || 'all';
  const handle = await session.client.workflow.start('fstestsRun', {
    taskQueue,
    workflowId,
    args: [spec],
    typedSearchAttributes: [{ key: SA_FS_CONFIG, value: spec.resultsMeta?.config ?? spec.fs }],
    staticSummary: `fstests ${label}: ${what}`,
    staticDetails: `fstests: ${spec.fstests}\nkernel: ${spec.kernel ?? '(host newest)'}`,
  });
  log(`run ${workflowId} started (${label})`);
  if (session.uiBase)
    log(`  Temporal UI: ${uiLink(session.embedded?.uiPort ?? 8233, session.namespace, workflowId)}`);
  return handle;
}
