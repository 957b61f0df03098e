import type { BatchInput, ListingOffer, PullReply, PullRequest, TestResult } from '../../common/schemas';
import type { CheckTimes } from '../results/checktime';
import type { CheckRunContext, CheckRunOutcome } from './check-run';
import { runCheck } from './check-run';
import { expectedOf } from './history';

/** How a matrix shard reaches its matrix (Workflow Updates, wired by the worker). */
export interface PullClient {
  next(parentWorkflowId: string, req: PullRequest): Promise<PullReply>;
  offer(parentWorkflowId: string, offer: ListingOffer): Promise<void>;
}

/**
 * A shard's loop inside one guest: take the next test from the matrix, run it, repeat, until the
 * matrix says done or the guest crashes or hangs. One `check` per test keeps the hand-out
 * dynamic (longest first over all shards) at the cost of check's start-up per test.
 */
export async function runPulled(
  c: CheckRunContext,
  pull: PullClient,
  list: () => Promise<string[]>,
  times: CheckTimes,
  /** A test the previous attempt was running when its worker died: run it again first. */
  resume: string | undefined,
): Promise<CheckRunOutcome> {
  const src = c.input.pull as NonNullable<BatchInput['pull']>;
  const results: TestResult[] = [];
  let pending = resume;
  for (;;) {
    let test = pending;
    pending = undefined;
    if (!test) {
      const reply = await pull.next(src.parentWorkflowId, { key: src.key, shard: src.shard });
      if (reply.kind === 'done') return { results, ended: 'completed' };
      if (reply.kind === 'list') {
        const tests = await list();
        const expectedSec = expectedOf(tests, times);
        await pull.offer(src.parentWorkflowId, { key: src.key, tests, expectedSec });
        continue;
      }
      test = reply.test;
    }
    const out = await runCheck(c, [test]);
    results.push(...out.results);
    if (out.ended !== 'completed') return { ...out, results };
  }
}
