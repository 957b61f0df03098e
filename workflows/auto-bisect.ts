import {
  ChildWorkflowCancellationType,
  log,
  ParentClosePolicy,
  startChild,
  WorkflowIdReusePolicy,
  workflowInfo,
} from '@temporalio/workflow';
import { WorkflowExecutionAlreadyStartedError } from '@temporalio/common';
import { rootMessage } from '../common/errors';
import type { AutoBisection } from '../common/schemas';
import { autoBisectPlans, type AutoBisectInput } from './auto-bisect-plan';
import { fstestsBisect } from './bisect';

// After a night's confirmations (MatrixSpec.autoBisect, opt-in): each cell with a confirmed
// regression and a known previous night's commit starts one fstestsBisect child
// (auto-bisect-plan.ts says which, with what). The matrix waits only for the start, never for
// the bisection: ParentClosePolicy ABANDON lets it run on (hours) after the morning's report.
// Its id is `<matrix>.bisect.<cell>`, and REJECT_DUPLICATE refuses a second start under that id
// (a replay starts nothing; a rerun of the matrix under its id finds the first and names it).

export async function startAutoBisections(
  input: AutoBisectInput & { keys: readonly string[] },
): Promise<AutoBisection[]> {
  const { workflowId: matrixId, taskQueue } = workflowInfo();
  return Promise.all(
    autoBisectPlans(input).map(async ({ index, bisection, spec }): Promise<AutoBisection> => {
      if (!spec) return bisection;
      const workflowId = `${matrixId}.bisect.${input.keys[index]}`;
      try {
        await startChild(fstestsBisect, {
          workflowId,
          taskQueue,
          args: [spec],
          parentClosePolicy: ParentClosePolicy.ABANDON,
          cancellationType: ChildWorkflowCancellationType.ABANDON,
          workflowIdReusePolicy: WorkflowIdReusePolicy.REJECT_DUPLICATE,
          staticSummary: `bisect ${bisection.tests.join(' ')} on ${bisection.config} × ${bisection.kernel}: ${spec.good.slice(0, 12)}..${spec.bad.slice(0, 12)}`,
        });
        return { ...bisection, workflowId };
      } catch (err) {
        if (err instanceof WorkflowExecutionAlreadyStartedError) return { ...bisection, workflowId };
        log.warn('starting the bisection failed', { workflowId, error: rootMessage(err) });
        return { ...bisection, reason: `could not start ${workflowId}: ${rootMessage(err)}`.slice(0, 1000) };
      }
    }),
  );
}
