import { defaultPayloadConverter } from '@temporalio/common';
import type { temporal } from '@temporalio/proto';
import type { PullReply, PullRequest } from '../../common/schemas';

/** One nextTest Update of a cell, from the server's history: what was asked, and the answer. */
export interface PullEvent {
  updateId: string;
  req: PullRequest;
  /** Undefined while the Update is still pending (the shard waits in the cell). */
  reply?: PullReply;
}

type Payloads = temporal.api.common.v1.IPayloads | null | undefined;
const first = (p: Payloads): unknown =>
  p?.payloads?.[0] ? defaultPayloadConverter.fromPayload(p.payloads[0]) : undefined;

/** The cell's nextTest Updates in the order the server accepted them (refused ones leave none). */
export function pullsOf(history: temporal.api.history.v1.IHistory): PullEvent[] {
  const byId = new Map<string, PullEvent>();
  for (const e of history.events ?? []) {
    const acc = e.workflowExecutionUpdateAcceptedEventAttributes;
    if (acc?.acceptedRequest?.input?.name === 'nextTest') {
      const updateId = acc.acceptedRequest.meta?.updateId ?? '';
      byId.set(updateId, { updateId, req: first(acc.acceptedRequest.input.args) as PullRequest });
    }
    const done = e.workflowExecutionUpdateCompletedEventAttributes;
    const ev = done?.meta?.updateId ? byId.get(done.meta.updateId) : undefined;
    if (ev) ev.reply = first(done!.outcome?.success) as PullReply;
  }
  return [...byId.values()];
}

/**
 * Every hand-out of a chunk, per test: a reply of tests, except a resumed chunk given again to
 * the same shard (a retried attempt's `resume`: the same hand-out, not a new one).
 */
export function handOuts(pulls: readonly PullEvent[]): Map<string, number> {
  const holding = new Map<number, string>();
  const count = new Map<string, number>();
  for (const { req, reply } of pulls) {
    if (reply?.kind !== 'tests') continue;
    const key = JSON.stringify(reply.tests);
    if (req.resume && holding.get(req.shard) === key) continue;
    holding.set(req.shard, key);
    for (const t of reply.tests) count.set(t, (count.get(t) ?? 0) + 1);
  }
  return count;
}
