import {
  ChildWorkflowCancellationType,
  executeChild,
  isCancellation,
  log,
  ParentClosePolicy,
  workflowInfo,
} from '@temporalio/workflow';
import { rootMessage } from '../common/errors';
import { hostQueue } from '../common/queues';
import {
  isFailing,
  type ComparedTest,
  type Confirmation,
  type ConfirmSpec,
  type MatrixRunPlan,
  type MatrixRunResult,
} from '../common/schemas';
import { ratesProxy } from './activities';
import { confirmVerdict, runsFor } from './confirm-plan';
import { fstestsRun } from './run';

// Confirming a night's regressions (MatrixSpec.confirm, opt-in): each regressed test (at most
// maxTests) is rerun on the config × kernel cell it failed in, as child fstestsRun runs of that
// cell's spec with only those tests and no retries, N times (confirm-plan.ts: N from the test's
// failure rate in the store; a cell's tests share its runs, N the largest of theirs). Cells
// confirm side by side, each cell's runs one after the other. Bounded: at most maxTests cells ×
// maxRuns children (≤ 400), a few events each, results small. Child ids are fixed by cell and
// run number: a replaying worker never starts one twice.

export interface ConfirmInput {
  confirm: ConfirmSpec;
  plans: readonly MatrixRunPlan[];
  keys: readonly string[];
  runs: readonly MatrixRunResult[];
  regressions: readonly ComparedTest[];
  reporter: string;
}

export async function confirmRegressions(input: ConfirmInput): Promise<Confirmation[]> {
  const { workflowId, taskQueue } = workflowInfo();
  const picks = input.regressions.slice(0, input.confirm.maxTests);
  const cellOf = (t: ComparedTest) => {
    const same = input.plans.map((p, i) => i).filter((i) => input.plans[i]!.config === t.config);
    return same.find((i) => input.runs[i]?.failing.some((f) => f.name === t.test)) ?? same[0];
  };
  const rates = picks.length
    ? await ratesProxy(hostQueue(input.reporter)).failureRates({
        tests: picks.map((t) => t.test),
        excludeMatrix: workflowId,
      })
    : {};
  const byCell = new Map<number, string[]>();
  for (const t of picks) {
    const i = cellOf(t);
    if (i !== undefined) byCell.set(i, [...(byCell.get(i) ?? []), t.test]);
  }
  const perCell = await Promise.all(
    [...byCell].map(async ([i, tests]) => {
      const plan = input.plans[i]!;
      const n = Math.max(...tests.map((t) => runsFor(rates[t]?.rate ?? 0, input.confirm.maxRuns)));
      const failed = new Map(tests.map((t) => [t, 0]));
      const ids: string[] = [];
      for (let r = 1; r <= n; r++) {
        const id = `${workflowId}.confirm.${input.keys[i]}.r${r}`;
        try {
          const { excludeFile: _x, ...spec } = plan.spec;
          const summary = await executeChild(fstestsRun, {
            workflowId: id,
            taskQueue,
            args: [{ ...spec, tests, groups: [], excludeGroups: [], flakyRetries: 0 }],
            cancellationType: ChildWorkflowCancellationType.WAIT_CANCELLATION_COMPLETED,
            parentClosePolicy: ParentClosePolicy.REQUEST_CANCEL,
            staticSummary: `confirm ${tests.join(' ')} on ${plan.config} × ${plan.kernel}: run ${r}/${n}`,
          });
          ids.push(id);
          for (const t of summary.tests)
            if (isFailing(t.verdict) && failed.has(t.name)) failed.set(t.name, failed.get(t.name)! + 1);
        } catch (err) {
          if (isCancellation(err)) throw err;
          log.warn('confirmation run failed: not counted', { run: id, error: rootMessage(err) });
        }
      }
      return tests.map((test): Confirmation => {
        const k = failed.get(test)!;
        return {
          config: plan.config,
          kernel: plan.kernel,
          test,
          rate: rates[test]?.rate ?? 0,
          failed: k,
          runs: ids.length,
          ...confirmVerdict(k, ids.length),
          workflowIds: ids,
        };
      });
    }),
  );
  return perCell.flat();
}
