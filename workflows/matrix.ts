import {
  condition,
  log,
  isCancellation,
  setHandler,
  startChild,
  upsertSearchAttributes,
  workflowInfo,
  ApplicationFailure,
} from '@temporalio/workflow';
import { parseOrFail, rootMessage } from '../common/errors';
import { hostQueue } from '../common/queues';
import { matrixProgressQuery, nextTestUpdate, offerListingUpdate } from '../common/queries';
import {
  isFailing,
  MatrixSpec,
  matrixStatusOf,
  runSpecsOf,
  type MatrixRunProgress,
  type MatrixSpecInput,
  type MatrixSummary,
  type ListingOffer,
  type PullReply,
  type PullRequest,
} from '../common/schemas';
import { SA_FAILED_COUNT, SA_OUTCOME } from '../common/search-attributes';
import { reportProxy } from './activities';
import { mergeShards, type ShardOutcome } from './matrix-merge';
import { fstestsRun } from './run';
import { TestQueue, type Pull } from './test-queue';

/**
 * A matrix: every config × kernel is a run; with shards > 1 its tests are spread over that many
 * child runs (VMs) that pull them one at a time from here, longest expected first.
 */
export async function fstestsMatrix(input: MatrixSpecInput): Promise<MatrixSummary> {
  const spec = parseOrFail(MatrixSpec, input, 'matrix spec');
  const { workflowId, taskQueue } = workflowInfo();
  const plans = runSpecsOf(spec);
  const keyOf = (i: number) => `${plans[i]!.config}.k${i % Math.max(1, spec.kernels.length)}`;
  const exclusive = new Set(spec.exclusive);
  const queues = new Map(plans.map((_, i) => [keyOf(i), new TestQueue(exclusive)]));
  const cells: MatrixRunProgress[] = plans.map((p) => ({
    config: p.config,
    kernel: p.kernel,
    status: 'pending',
    done: 0,
    total: 0,
  }));

  setHandler(
    nextTestUpdate,
    async ({ key, shard }) => {
      const q = queues.get(key)!;
      q.finish(shard);
      let reply: PullReply | undefined;
      // Waits (in workflow memory) while another shard lists, or an exclusive test runs alone.
      await condition(() => {
        const p: Pull = q.next(shard);
        if (p.kind !== 'wait') reply = p;
        return reply !== undefined;
      });
      return reply!;
    },
    { validator: (req: PullRequest) => knownKey(req.key) },
  );
  setHandler(
    offerListingUpdate,
    ({ key, tests, expectedSec }) => queues.get(key)?.offer(tests, expectedSec),
    {
      validator: (offer: ListingOffer) => knownKey(offer.key),
    },
  );
  function knownKey(key: string): void {
    if (!queues.has(key)) fail(`unknown matrix key ${key}`);
  }
  setHandler(matrixProgressQuery, () => {
    plans.forEach((_, i) => {
      const q = queues.get(keyOf(i))!;
      if (q.total) Object.assign(cells[i]!, { done: q.done, total: q.total });
    });
    return { runs: cells, done: sum(cells.map((c) => c.done)), total: sum(cells.map((c) => c.total)) };
  });

  const runs = await Promise.all(
    plans.map(async (plan, i) => {
      const shards = spec.shards;
      const outcomes = await Promise.all(
        Array.from({ length: shards }, async (_, shard): Promise<ShardOutcome> => {
          const id = `${workflowId}.${plan.config}.k${i}${shards > 1 ? `.s${shard}` : ''}`;
          const pull = shards > 1 ? { pull: { parentWorkflowId: workflowId, key: keyOf(i), shard } } : {};
          try {
            const child = await startChild(fstestsRun, {
              workflowId: id,
              taskQueue,
              args: [
                {
                  ...plan.spec,
                  ...pull,
                  resultsMeta: { config: plan.config, matrixId: workflowId },
                  expunge: plan.expunge,
                },
              ],
            });
            cells[i]!.status = 'running';
            cells[i]!.workflowId ??= id;
            return { workflowId: id, summary: await child.result() };
          } catch (err) {
            if (isCancellation(err)) throw err;
            return { workflowId: id, error: rootMessage(err) };
          } finally {
            queues.get(keyOf(i))!.leave(shard);
          }
        }),
      );
      const merged = mergeShards(plan, outcomes);
      Object.assign(cells[i]!, {
        status: merged.status,
        done: merged.tests.length,
        total: merged.tests.length,
      });
      return merged;
    }),
  );

  // Compare with the baseline (default: the previous matrix of this name) and write the report,
  // on a host whose results store holds these runs. A failure here costs the report, not the verdicts.
  const reporter = runs.find((r) => r.hostId)?.hostId;
  let filed: Pick<MatrixSummary, 'comparison' | 'report'> = {};
  if (reporter) {
    try {
      const written = await reportProxy(hostQueue(reporter)).writeResultsReport({
        id: workflowId,
        ...(spec.baseline && spec.baseline !== 'previous' ? { baseline: spec.baseline } : {}),
      });
      filed = { report: written.path, ...(written.comparison ? { comparison: written.comparison } : {}) };
    } catch (err) {
      log.warn('matrix report failed', { error: rootMessage(err) });
    }
  }
  const status = matrixStatusOf(runs);
  const failed = runs.flatMap((r) => r.tests).filter((t) => isFailing(t.verdict)).length;
  upsertSearchAttributes([
    { key: SA_OUTCOME, value: filed.comparison?.outcome === 'regressed' ? 'regressed' : status },
    { key: SA_FAILED_COUNT, value: failed },
  ]);
  return { workflowId, status, runs, ...filed };
}

const sum = (xs: number[]) => xs.reduce((a, b) => a + b, 0);
const fail = (msg: string): never => {
  throw ApplicationFailure.nonRetryable(msg, 'InvalidSpec');
};
