import { CancellationScope, log, patched, workflowInfo } from '@temporalio/workflow';
import { rootMessage } from '../common/errors';
import { hostQueue } from '../common/queues';
import type {
  AutoBisection,
  Confirmation,
  MatrixRunPlan,
  MatrixRunResult,
  MatrixSpec,
  MatrixSummary,
} from '../common/schemas';
import { reportProxy } from './activities';
import { startAutoBisections } from './auto-bisect';
import { confirmRegressions } from './confirm';
import { headLabels, type KernelHead } from './kernel-heads';

// What a matrix does about its regressions after the report, each step opt-in in its spec:
// confirm them (confirm.ts), bisect the confirmed ones (auto-bisect.ts: started, not awaited),
// then write the report again with what both found per regressed test (common/regression-notes.ts).
// A failure of any step is logged and costs only that step's notes, never the night.

export interface FollowUpInput {
  spec: MatrixSpec;
  plans: readonly MatrixRunPlan[];
  keys: readonly string[];
  runs: readonly MatrixRunResult[];
  heads: readonly KernelHead[];
  /** The host whose store holds the night (absent: no host ran it). */
  reporter?: string;
  filed: Pick<MatrixSummary, 'comparison' | 'report'>;
}

export async function followUpRegressions(
  input: FollowUpInput,
): Promise<{ confirmations?: Confirmation[]; bisections?: AutoBisection[] }> {
  const { spec, plans, keys, runs, heads, reporter, filed } = input;
  // Each regression rerun on its cell's kernel to tell a real one from a flake.
  let confirmations: Confirmation[] | undefined;
  if (spec.confirm && reporter && filed.comparison?.regressions.length) {
    const regressions = filed.comparison.regressions;
    try {
      confirmations = await confirmRegressions({
        confirm: spec.confirm,
        plans,
        keys,
        runs,
        regressions,
        reporter,
      });
    } catch (err) {
      log.warn('confirming the regressions failed', { error: rootMessage(err) });
    }
  }
  // A cell's confirmed regression bisected from the previous night's commit to this night's.
  // Old histories never get here (no autoBisect in their spec, no patch marker).
  let bisections: AutoBisection[] | undefined;
  if (spec.autoBisect && confirmations?.some((c) => c.verdict === 'confirmed') && patched('auto-bisect')) {
    try {
      const baseKernels = filed.comparison?.kernels?.base;
      bisections = await startAutoBisections({
        autoBisect: spec.autoBisect,
        confirmations,
        plans,
        keys,
        heads,
        ...(baseKernels ? { baseKernels } : {}),
      });
    } catch (err) {
      log.warn('starting the bisections failed', { error: rootMessage(err) });
    }
  }
  // The report written again with the notes, over the comparison it saved (not compared anew).
  const c = filed.comparison;
  if (reporter && filed.report && c && confirmations?.length && patched('night-notes')) {
    try {
      await CancellationScope.nonCancellable(() =>
        reportProxy(hostQueue(reporter)).writeResultsReport({
          id: workflowInfo().workflowId,
          baseline: c.base,
          ...(heads.length ? { kernels: headLabels(heads) } : {}),
          notes: { confirmations, ...(bisections ? { bisections } : {}) },
          reuseComparison: true,
        }),
      );
    } catch (err) {
      log.warn('the report with the confirmations failed', { error: rootMessage(err) });
    }
  }
  return { ...(confirmations ? { confirmations } : {}), ...(bisections ? { bisections } : {}) };
}
