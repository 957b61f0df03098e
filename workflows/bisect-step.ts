import {
  ChildWorkflowCancellationType,
  executeChild,
  isCancellation,
  ParentClosePolicy,
  workflowInfo,
} from '@temporalio/workflow';
import { KERNEL_BUILD_FAILED, rootFailureType, rootMessage } from '../common/errors';
import { isFailing, type BisectSpec, type BisectStep, type RunSummary } from '../common/schemas';
import { fstestsRun } from './run';

// One bisection step: the commit's kernel built (its run builds it, or finds it in the cache) and
// the tests run as a child fstestsRun, up to `runs` times: the first failure makes the commit
// bad, `runs` passes make it good. A commit that does not build, or whose run could not give
// verdicts (an infrastructure error), is skipped, as `git bisect skip`. Each run is a child with
// an id made of the step and run numbers: a worker that dies mid-step replays the finished ones
// from history and never starts them again.

export async function bisectStep(spec: BisectSpec, commit: string, stepNo: number): Promise<BisectStep> {
  const step: BisectStep = { commit, verdict: 'good', runs: [] };
  const kernel = {
    tree: spec.tree,
    ref: commit,
    ...(spec.config ? { config: spec.config } : {}),
    fragments: spec.fragments,
  };
  for (let r = 0; r < spec.runs; r++) {
    const workflowId = `${workflowInfo().workflowId}-s${stepNo + 1}-r${r + 1}`;
    let summary: RunSummary;
    try {
      summary = await executeChild(fstestsRun, {
        workflowId,
        taskQueue: workflowInfo().taskQueue,
        args: [{ ...spec.run, kernel }],
        cancellationType: ChildWorkflowCancellationType.WAIT_CANCELLATION_COMPLETED,
        parentClosePolicy: ParentClosePolicy.REQUEST_CANCEL,
        staticSummary: `bisect step ${stepNo + 1}, run ${r + 1}/${spec.runs}: ${commit.slice(0, 12)}`,
      });
    } catch (err) {
      if (isCancellation(err)) throw err;
      const build = rootFailureType(err) === KERNEL_BUILD_FAILED;
      step.runs.push({ workflowId, status: build ? 'build-failed' : 'error', failed: [] });
      return { ...step, verdict: 'skip', reason: rootMessage(err).slice(0, 1500) };
    }
    const failed = summary.tests.filter((t) => isFailing(t.verdict)).map((t) => t.name);
    step.runs.push({ workflowId, status: summary.status, failed });
    if (summary.build && step.describe === undefined)
      Object.assign(step, { describe: summary.build.describe, cached: summary.build.cached });
    if (failed.length) return { ...step, verdict: 'bad' };
    if (summary.status !== 'passed')
      return {
        ...step,
        verdict: 'skip',
        reason: summary.error ?? `run ${workflowId} ended ${summary.status}`,
      };
  }
  return step;
}
