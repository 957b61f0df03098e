import {
  CancellationScope,
  ChildWorkflowCancellationType,
  condition,
  log,
  ParentClosePolicy,
  patched,
  setCurrentDetails,
  setHandler,
  startChild,
  workflowInfo,
  ApplicationFailure,
} from '@temporalio/workflow';
import { failureKind, INVALID_SPEC, parseOrFail, rootMessage, STALE_PULL } from '../common/errors';
import {
  cellProgressQuery,
  nextTestUpdate,
  offerListingUpdate,
  pullPeekQuery,
  pullReadyQuery,
} from '../common/queries';
import {
  CellInput,
  type CellProgress,
  type ListingOffer,
  type MatrixRunResult,
  type PullReply,
  type PullRequest,
  type TestResult,
} from '../common/schemas';
import { mergeCell, type ShardOutcome } from './matrix-merge';
import { fstestsRun } from './run';
import { TestQueue, type Pull } from './test-queue';

/**
 * Shards waiting inside the cell at once (Temporal: ≤ 10 Updates in flight); more are told to
 * wait, and ask again once pullReady says so: Updates grow with hand-outs, not with waiting time.
 */
const MAX_WAITING = 6;
const WAIT_SEC = 5;
/** A batch attempt's `stop` fences it: its request still waiting for work ends (`done`). */
const STOP_ENDS_WAIT = 'pull-stop-ends-wait';

/**
 * One config × kernel of a matrix: starts its K shard runs, hands them the cell's tests in
 * chunks (pull Updates on this workflow: their number grows with hand-outs, not tests), makes
 * sure every listed test ends with exactly one verdict, and returns a bounded result.
 */
export async function fstestsCell(raw: CellInput): Promise<MatrixRunResult> {
  const input = parseOrFail(CellInput, raw, 'cell input');
  const { workflowId: cellId, taskQueue } = workflowInfo();
  const K = input.shards;
  const q = new TestQueue(K, new Set(input.exclusive));
  const shardIds = Array.from({ length: K }, (_, s) => `${cellId}.s${s}`);
  const endedWith = new Map<number, number>();
  const own: TestResult[] = [];
  let status: CellProgress['status'] = 'running';
  let waiting = 0;
  // Cancelled (the matrix was): every shard is cancelled too and the cell waits for their cleanup,
  // hands out nothing more, and still returns what they ran.
  let cancelling = false;
  CancellationScope.current().cancelRequested.catch(() => (cancelling = true));

  const progress = (): CellProgress => ({
    status,
    total: q.total,
    settled: [...endedWith.values()].reduce((a, b) => a + b, 0) + own.length,
    shards: shardIds.map((id, s) =>
      endedWith.has(s) ? { workflowId: id, verdicts: endedWith.get(s)! } : { workflowId: id },
    ),
    handOuts: q.handOuts,
  });
  const show = () => {
    const p = progress();
    setCurrentDetails(
      `**${p.status}** — ${p.total} tests listed, ${q.done} settled by ${K} shard(s), ${p.handOuts} hand-outs`,
    );
  };
  setHandler(cellProgressQuery, progress);
  // A shard told to wait asks this (a Query) until it may ask again: waiting costs no Update.
  setHandler(pullReadyQuery, (shard: number) => cancelling || !q.mustWait(shard));
  // A shard about to boot a VM asks this first: no VM for a shard that would only hear `done`.
  setHandler(pullPeekQuery, (shard: number) => (cancelling ? 'done' : q.peek(shard)));

  // The newest batch attempt heard from, per shard (PullRequest.epoch): an older one's requests
  // are stale — refused by the validator, or answered `done` if one got past it while waiting.
  const newest = new Map<number, number>();
  // The newest attempt that said it stops, per shard: its requests are stale too (a batch
  // cancelled while its request waited here takes no chunk).
  const stopped = new Map<number, number>();
  const stale = (req: PullRequest) =>
    req.epoch !== undefined &&
    (req.epoch < (newest.get(req.shard) ?? 0) || req.epoch <= (stopped.get(req.shard) ?? -1));
  setHandler(
    nextTestUpdate,
    async (req: PullRequest): Promise<PullReply> => {
      if (stale(req)) return { kind: 'done' };
      if (req.epoch !== undefined) newest.set(req.shard, req.epoch);
      if (req.stop && req.epoch !== undefined && patched(STOP_ENDS_WAIT)) stopped.set(req.shard, req.epoch);
      const again = req.resume ? q.resume(req.shard) : undefined;
      if (again) return { kind: 'tests', tests: again };
      if (!req.resume) q.settle(req.shard, req.giveBack);
      if (req.stop || cancelling) return { kind: 'done' };
      let p: Pull = q.next(req.shard, Date.now());
      if (p.kind === 'wait') {
        // Wait in workflow memory (another shard lists, an exclusive test runs alone, a running
        // chunk may still give tests back), unless too many wait already.
        if (waiting >= MAX_WAITING) return { kind: 'wait', sec: WAIT_SEC };
        waiting++;
        try {
          await CancellationScope.nonCancellable(() =>
            condition(() => cancelling || stale(req) || (p = q.next(req.shard, Date.now())).kind !== 'wait'),
          );
        } finally {
          waiting--;
        }
        if (cancelling || stale(req)) return { kind: 'done' };
      }
      show();
      return p as Exclude<Pull, { kind: 'wait' }>;
    },
    {
      validator: (req: PullRequest) => {
        known(req.key, req.shard);
        if (stale(req))
          throw ApplicationFailure.nonRetryable(
            req.epoch! < (newest.get(req.shard) ?? 0)
              ? `shard ${req.shard}'s batch attempt ${req.epoch} was given up for a newer one (${newest.get(req.shard)}): it stops`
              : `shard ${req.shard}'s batch attempt ${req.epoch} said it stops: it asks nothing more`,
            STALE_PULL,
          );
      },
    },
  );
  setHandler(
    offerListingUpdate,
    ({ tests, expectedSec }: ListingOffer) => {
      q.offer(tests, expectedSec);
      show();
    },
    { validator: (offer: ListingOffer) => known(offer.key, 0) },
  );
  function known(key: string, shard: number): void {
    if (key !== input.key || shard >= K)
      throw ApplicationFailure.nonRetryable(`cell ${input.key} has no shard ${key}#${shard}`, INVALID_SPEC);
  }

  const lost = (tests: Map<string, number>, why: (shard: number) => string) => {
    for (const [name, shard] of tests)
      own.push({ name, verdict: 'error', durationSec: 0, reason: why(shard) });
  };
  const outcomes = await Promise.all(
    shardIds.map(async (workflowId, shard): Promise<ShardOutcome> => {
      let out: ShardOutcome;
      try {
        const child = await startChild(fstestsRun, {
          workflowId,
          taskQueue,
          // A cancel reaches the shard, which releases its devices and VMs; the cell waits for it.
          // Should the cell close first anyway, its shards are cancelled, never terminated.
          cancellationType: ChildWorkflowCancellationType.WAIT_CANCELLATION_COMPLETED,
          parentClosePolicy: ParentClosePolicy.REQUEST_CANCEL,
          args: [
            {
              ...input.spec,
              ...(K > 1 ? { pull: { parentWorkflowId: cellId, key: input.key, shard } } : {}),
              resultsMeta: { config: input.config, matrixId: input.matrixId },
              expunge: input.expunge,
            },
          ],
        });
        const summary = await child.result();
        // A shard that failed or was cancelled returns what it ran, and why it ended (run.ts).
        out = {
          workflowId,
          summary,
          ...(summary.error ? { error: summary.error } : {}),
          ...(summary.failure ? { failure: summary.failure } : {}),
        };
      } catch (err) {
        // Failed without a summary (an older run, a terminated one), or cancelled before it started.
        out = { workflowId, error: rootMessage(err), failure: failureKind(err) };
      }
      const verdicts = new Set(out.summary?.tests.map((t) => t.name));
      endedWith.set(shard, verdicts.size);
      lost(q.leave(shard, verdicts), (s) =>
        cancelling
          ? 'not run: cancelled'
          : `handed to shard ${s} (${shardIds[s]}), which ended without a verdict`,
      );
      show();
      return out;
    }),
  );
  lost(q.drain(), (s) =>
    cancelling
      ? 'not run: cancelled'
      : s >= 0
        ? `handed to shard ${s} (${shardIds[s]}), which ended without a verdict`
        : 'not run: every shard of its config × kernel ended before it was handed out',
  );
  if (own.length) log.warn('tests without a shard verdict', { cell: cellId, count: own.length });
  const result = mergeCell({
    config: input.config,
    kernel: input.kernel,
    cellId,
    ...(K > 1 && q.listed ? { listed: q.total } : {}),
    shards: outcomes,
    own,
    failingCap: input.failingCap,
    ...(K > 1 ? { handOuts: q.handOuts } : {}),
  });
  if (cancelling) Object.assign(result, { status: 'cancelled' });
  status = result.status;
  show();
  return result;
}
