import type { PullPeek } from '../../common/queries';
import type { BatchInput, ListingOffer, PullReply, PullRequest, TestResult } from '../../common/schemas';
import type { CheckTimes } from '../verdicts/checktime';
import type { CheckRunContext, CheckRunOutcome } from './check-run';
import { runCheck } from './check-run';
import { expectedOf } from './history';

/** How a matrix shard reaches its cell (Workflow Updates, wired by the worker). */
export interface PullClient {
  next(cellWorkflowId: string, req: PullRequest): Promise<PullReply>;
  offer(cellWorkflowId: string, offer: ListingOffer): Promise<void>;
  /** Told to wait: may the shard ask again (a Query, no Update)? Without it: ask after the wait. */
  ready?(cellWorkflowId: string, shard: number): Promise<boolean>;
  /** Before a VM boots: would the cell have work for this shard (a Query, no Update)? */
  peek?(cellWorkflowId: string, shard: number): Promise<PullPeek>;
}

/**
 * Before a shard's batch boots a VM: wait (no VM, no slot's CPU) while the cell has nothing
 * pending but another shard's chunk may still give tests back; false when the cell will have
 * nothing more for this shard (a shard whose guest hung on the last test boots no VM to hear
 * `done`). A cell that cannot be asked (an older worker's, an error) counts as `go`.
 */
export async function workAhead(
  pull: PullClient,
  src: NonNullable<BatchInput['pull']>,
  signal: AbortSignal,
  sleep: (sec: number) => Promise<void> = (sec) => new Promise((r) => setTimeout(r, sec * 1000)),
  waitSec = 2,
): Promise<boolean> {
  if (!pull.peek) return true;
  for (;;) {
    const p = await pull.peek(src.parentWorkflowId, src.shard).catch((): PullPeek => 'go');
    if (p !== 'wait' || signal.aborted) return p !== 'done';
    await sleep(waitSec);
  }
}

/**
 * The epoch of a batch attempt's pull requests: the batch activity's sequence in its run (the
 * SDK's activity ids are 1, 2, … per workflow run; a run never continues as new) and its attempt,
 * so a later batch or a retry always asks with a larger one. Undefined for an id that is no
 * sequence number (requests then go unchecked, as an older worker's).
 */
export function pullEpoch(info: { activityId: string; attempt: number }): number | undefined {
  if (!/^\d{1,9}$/.test(info.activityId)) return undefined;
  return Number(info.activityId) * 1000 + Math.min(info.attempt, 999);
}

/** Runs one chunk in the guest: the batch's runCheck unless a test replaces it. */
export type RunChunk = (tests: string[]) => Promise<CheckRunOutcome>;

/** Tests of a chunk that got no verdict: neither a result nor the test the guest died in. */
export function withoutVerdict(chunk: readonly string[], out: CheckRunOutcome): string[] {
  const got = new Set(out.results.map((r) => r.name));
  if (out.at) got.add(out.at);
  return chunk.filter((t) => !got.has(t));
}

/** Thrown when the batch was cancelled while it waited on its cell (nothing was taken). */
export class PullAborted extends Error {}

/** `p`, or PullAborted as soon as `signal` aborts (the promise itself is left to settle). */
function unlessAborted<T>(p: Promise<T>, signal: AbortSignal): Promise<T> {
  if (signal.aborted) return Promise.reject(new PullAborted('batch cancelled while waiting on its cell'));
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => reject(new PullAborted('batch cancelled while waiting on its cell'));
    signal.addEventListener('abort', onAbort, { once: true });
    p.then(resolve, reject).finally(() => signal.removeEventListener('abort', onAbort));
  });
}

/**
 * A shard's loop inside one guest: take the next chunk of tests from the cell, run it in one
 * `check`, repeat, until the cell says done or the guest crashes, hangs or is tainted. The next
 * request gives back the chunk's tests that got no verdict; after a crash the loop gives them
 * back at once (the run's next batch pulls anew). The first request `resume`s: a retried
 * attempt gets its dead predecessor's chunk again and runs only its tests that have no verdict
 * in the batch's journal (`journaled`: what earlier attempts finished; they count as the chunk's
 * verdicts, so no test runs twice). Every request carries the attempt's `epoch`: once a newer
 * attempt asked, this one's requests are refused (it ends). The wait for work ends with the
 * batch (`c.cancel`): the attempt then tells its cell it stops (`resume` + `stop`: nothing is
 * settled, its waiting request is answered `done`), so no chunk is handed to a dead batch.
 */
export async function runPulled(
  c: CheckRunContext,
  pull: PullClient,
  list: () => Promise<string[]>,
  times: CheckTimes,
  epoch: number | undefined,
  run: RunChunk = (tests) => runCheck(c, tests),
  sleep: (sec: number) => Promise<void> = (sec) => new Promise((r) => setTimeout(r, sec * 1000)),
  journaled: ReadonlySet<string> = new Set(),
): Promise<CheckRunOutcome> {
  const src = c.input.pull as NonNullable<BatchInput['pull']>;
  const at = src.parentWorkflowId;
  const results: TestResult[] = [];
  const base = { key: src.key, shard: src.shard, ...(epoch !== undefined ? { epoch } : {}) };
  const cancel = c.cancel;
  const ask = (r: PullRequest) =>
    unlessAborted(pull.next(at, r), cancel).catch(async (err: unknown) => {
      if (err instanceof PullAborted)
        await pull.next(at, { ...base, resume: true, stop: true }).catch(() => undefined);
      throw err;
    });
  let req: PullRequest = { ...base, resume: true };
  for (;;) {
    const resumed = req.resume === true;
    const reply = await ask(req);
    req = base;
    if (reply.kind === 'done') return { results, ended: 'completed' };
    if (reply.kind === 'wait') {
      // Ask again only when the cell would not say wait: a wait costs Queries, never Updates.
      do await unlessAborted(sleep(reply.sec), cancel);
      while (pull.ready && !(await pull.ready(at, src.shard).catch(() => true)));
      continue;
    }
    if (reply.kind === 'list') {
      const tests = await list();
      await pull.offer(at, { key: src.key, tests, expectedSec: expectedOf(tests, times) });
      continue;
    }
    // A resumed chunk: what an earlier attempt of this batch finished is not run again.
    const todo = resumed ? reply.tests.filter((t) => !journaled.has(t)) : reply.tests;
    if (todo.length === 0) continue;
    const out = await run(todo);
    const missing = withoutVerdict(todo, out);
    if (out.ended === 'completed') {
      // check exited without a verdict for these: say so once, rather than hand them out forever.
      results.push(...out.results, ...missing.map(noVerdict));
      continue;
    }
    results.push(...out.results);
    // Settle the chunk now (the guest is gone): what got no verdict goes to the head of the queue.
    await pull.next(at, { ...req, ...(missing.length ? { giveBack: missing } : {}), stop: true });
    return { ...out, results };
  }
}

const noVerdict = (name: string): TestResult => ({
  name,
  verdict: 'error',
  durationSec: 0,
  reason: 'check exited without a verdict for it',
});
