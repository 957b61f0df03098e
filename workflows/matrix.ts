import {
  CancellationScope,
  ChildWorkflowCancellationType,
  isCancellation,
  log,
  ParentClosePolicy,
  patched,
  setCurrentDetails,
  setHandler,
  startChild,
  upsertMemo,
  upsertSearchAttributes,
  workflowInfo,
} from '@temporalio/workflow';
import { parseOrFail, rootMessage } from '../common/errors';
import { nightName } from '../common/night';
import { PRIORITY } from '../common/priority';
import { hostQueue, quickQueue } from '../common/queues';
import { matrixProgressQuery } from '../common/queries';
import {
  failingCapFor,
  FAILING_VERDICTS,
  MatrixSpec,
  matrixStatusOf,
  runSpecsOf,
  type MatrixRunProgress,
  type MatrixRunResult,
  type MatrixSpecInput,
  type MatrixSummary,
} from '../common/schemas';
import { SA_FAILED_COUNT, SA_OUTCOME } from '../common/search-attributes';
import { notifyProxy, reportProxy } from './activities';
import { fstestsCell } from './cell';
import { followUpRegressions } from './night-followup';
import { headLabels, pinKernelHeads } from './kernel-heads';

/**
 * A matrix: one cell (fstestsCell child) per config × kernel. A cell spreads its tests over
 * `shards` VMs and answers their pulls; the matrix only starts cells and gathers their bounded
 * results, so its history and payloads grow with the number of cells, never with tests.
 * Live counts: query each cell (`cellProgress`; `fsto matrix` does).
 */
export async function fstestsMatrix(input: MatrixSpecInput): Promise<MatrixSummary> {
  const { workflowId, taskQueue } = workflowInfo();
  // A kernel named by branch: this night's head, pinned before any cell starts (kernel-heads.ts).
  const pinned = await pinKernelHeads(parseOrFail(MatrixSpec, input, 'matrix spec'));
  const { spec, heads } = pinned;
  const plans = runSpecsOf(spec).map((p) => ({ ...p, kernel: pinned.labels.get(p.kernel) ?? p.kernel }));
  const kernels = Math.max(1, spec.kernels.length);
  const cells: MatrixRunProgress[] = plans.map((p) => ({
    config: p.config,
    kernel: p.kernel,
    status: 'pending',
    done: 0,
    total: 0,
  }));
  setHandler(matrixProgressQuery, () => ({
    runs: cells,
    done: sum(cells.map((c) => c.done)),
    total: sum(cells.map((c) => c.total)),
  }));

  // A scheduled night is named by its schedule and date (`nightly-xfs 2026-12-03`): in the UI's
  // memo and details, and each cell's summary. Old histories start without it.
  const night = nightName(workflowId);
  const named = night !== undefined && patched('night-name');
  if (named) {
    upsertMemo({ night });
    setCurrentDetails(`**${night}**: ${plans.length} cell(s), ${spec.shards} shard(s) each`);
  }

  const keyOf = (p: { config: string }, i: number) => `${p.config}.k${i % kernels}`;
  const failingCap = failingCapFor(plans.length);
  const runs = await Promise.all(
    plans.map(async (plan, i): Promise<MatrixRunResult> => {
      const key = keyOf(plan, i);
      const id = `${workflowId}.${key}`;
      try {
        const child = await startChild(fstestsCell, {
          workflowId: id,
          taskQueue,
          ...(named ? { staticSummary: `${night}: ${plan.config} × ${plan.kernel}` } : {}),
          // A night's claims wait behind everyone's (common/priority.ts); its shards inherit it.
          // (The SDK's schedule action carries no priority, so the matrix gives it to its cells.)
          ...(night !== undefined ? { priority: PRIORITY.nightly } : {}),
          // A cancel reaches every cell and through it every shard; the matrix waits for their
          // cleanup and reports what they ran. Closing first anyway cancels them, never terminates.
          cancellationType: ChildWorkflowCancellationType.WAIT_CANCELLATION_COMPLETED,
          parentClosePolicy: ParentClosePolicy.REQUEST_CANCEL,
          args: [
            {
              matrixId: workflowId,
              key,
              config: plan.config,
              kernel: plan.kernel,
              spec: plan.spec,
              expunge: plan.expunge,
              shards: spec.shards,
              exclusive: spec.exclusive,
              failingCap,
            },
          ],
        });
        Object.assign(cells[i]!, { status: 'running', workflowId: id });
        const r = await child.result();
        Object.assign(cells[i]!, { status: r.status, done: r.tests, total: r.listed });
        return r;
      } catch (err) {
        // A cell that failed (or, from an older cell, was cancelled): no verdicts from it here.
        const error = rootMessage(err);
        const status = isCancellation(err) ? 'cancelled' : 'error';
        Object.assign(cells[i]!, { status });
        return {
          config: plan.config,
          kernel: plan.kernel,
          workflowId: id,
          status,
          listed: 0,
          tests: 0,
          counts: {},
          failing: [],
          failingMore: 0,
          shards: [],
          error,
        };
      }
    }),
  );

  // Compare with the baseline (default: the previous matrix of this name) and write the report,
  // on a host whose results store holds these runs. A failure here costs the report, not the verdicts.
  const reporter = runs.find((r) => r.hostId)?.hostId;
  const built = headLabels(heads);
  let filed: Pick<MatrixSummary, 'comparison' | 'report'> = {};
  if (reporter) {
    try {
      // Cancelled too: the report says what the cells ran.
      const written = await CancellationScope.nonCancellable(() =>
        reportProxy(hostQueue(reporter)).writeResultsReport({
          id: workflowId,
          ...(spec.baseline && spec.baseline !== 'previous' ? { baseline: spec.baseline } : {}),
          ...(built.length ? { kernels: built } : {}),
        }),
      );
      filed = { report: written.path, ...(written.comparison ? { comparison: written.comparison } : {}) };
    } catch (err) {
      log.warn('matrix report failed', { error: rootMessage(err) });
    }
  }
  // Opt-in: regressions confirmed, confirmed ones bisected, the report told (night-followup.ts).
  const { confirmations, bisections } = await followUpRegressions({
    spec,
    plans,
    keys: plans.map(keyOf),
    runs,
    heads,
    ...(reporter ? { reporter } : {}),
    filed,
  });
  const status = matrixStatusOf(runs);
  const failed = sum(runs.flatMap((r) => [...FAILING_VERDICTS].map((v) => r.counts[v] ?? 0)));
  // A cell in error (its shards could not run its tests, or some) is said loudly, whatever the
  // other cells did: in the summary, the log, and the outcome a search for the night finds. A
  // warning in the worker's log: the matrix's outcome, reported by whoever follows it (an embedded
  // worker's terminal, at ERROR, showed it a second time beside the CLI's summary).
  const errors = runs.filter((r) => r.status === 'error').map(cellError);
  if (errors.length) log.warn('matrix cells in error', { matrix: workflowId, errors });
  const outcome = filed.comparison?.outcome === 'regressed' ? 'regressed' : errors.length ? 'error' : status;
  upsertSearchAttributes([
    { key: SA_OUTCOME, value: outcome },
    { key: SA_FAILED_COUNT, value: failed },
  ]);
  const summary: MatrixSummary = {
    workflowId,
    status,
    runs,
    ...(errors.length ? { errors } : {}),
    ...filed,
    ...(heads.length ? { kernelHeads: heads } : {}),
    ...(confirmations ? { confirmations } : {}),
    ...(bisections ? { bisections } : {}),
  };
  // The morning: the night told to whoever listens (spec's notify, the worker's config), from the
  // reporting host. Its failure is logged, never the matrix's. Old histories end without it.
  // A night no host ran (no shard claimed one, or none got that far) is told too, from any worker
  // of the matrix's own queue: silence would look like a quiet night. Since night-notify-ungated
  // from its notify queue, which no VM-slot gate holds back: a night goes unrun exactly when every
  // slot is held, and the claim queue's gate then admits nothing (workers/claim-gate.ts).
  const notifier = reporter
    ? patched('night-notify') && hostQueue(reporter)
    : patched('night-notify-unrun') && (patched('night-notify-ungated') ? quickQueue(taskQueue) : taskQueue);
  if (notifier) {
    try {
      await notifyProxy(notifier).notifyNight({
        summary,
        ...(spec.notify ? { notify: spec.notify } : {}),
        namespace: workflowInfo().namespace,
      });
    } catch (err) {
      log.warn('night notification failed', { error: rootMessage(err) });
    }
  }
  return summary;
}

const sum = (xs: number[]) => xs.reduce((a, b) => a + b, 0);

function cellError(r: MatrixRunResult): string {
  const what = r.tests === 0 ? 'no test ran' : `${r.counts.error ?? 0} of ${r.listed} tests in error`;
  return `${r.config} × ${r.kernel}: ${what}${r.error ? ` — ${r.error.split('\n')[0]}` : ''}`.slice(0, 1000);
}
