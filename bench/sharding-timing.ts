import type { Client } from '@temporalio/client';
import { defaultPayloadConverter } from '@temporalio/common';
import { tsToMs } from '@temporalio/common/lib/time';
import type { temporal } from '@temporalio/proto';
import type { BatchProgressSignal, PullReply, PullRequest, RunSummary } from '../common/schemas';

// When a matrix cell's test phase began and ended, read from the workflows' histories (server
// timestamps, ms), so VM boot, guest preparation and listing stay outside the makespan:
//   sharded (K > 1): a shard's span starts when its cell hands it its first chunk (the cell's
//          `nextTest` update completes with tests) and ends when it asks again after its last
//          chunk (that request's update is accepted: check has exited);
//   unsharded (K = 1, no pulling): the child run hears the listing right before check starts,
//          and its last test's result (its `batchProgress` signal).
// Both ends include check's own start-up (mount, scratch mkfs) for the tests they bracket.

type Event = temporal.api.history.v1.IHistoryEvent;
type Payloads = temporal.api.common.v1.IPayloads | null | undefined;

export interface TestPhase {
  /** Matrix started → first test handed out: claim, devices, boot, guest prep, listing. */
  beforeSec: number;
  /** First test start → last test end. */
  makespanSec: number;
  /** Per shard: its first test start → its last test end (idle at the end not counted). */
  busySec: number[];
  /** Per shard: when it got its first test, seconds after the first shard did. */
  shardStartSec: number[];
}

const first = <T>(p: Payloads): T | undefined => {
  const payload = p?.payloads?.[0];
  return payload ? defaultPayloadConverter.fromPayload<T>(payload) : undefined;
};
const at = (e: Event) => tsToMs(e.eventTime);

/**
 * Per shard, when the cell handed it its first chunk and when it asked after its last one (the
 * first request after each hand-out; later ones, e.g. a retried batch's, do not move the end). Pure.
 */
export function pullSpans(cell: readonly Event[]): Map<number, [number, number]> {
  const shardOf = new Map<string, number>();
  const spans = new Map<number, [number, number]>();
  const running = new Set<number>();
  for (const e of cell) {
    const acc = e.workflowExecutionUpdateAcceptedEventAttributes;
    if (acc?.acceptedRequest?.input?.name === 'nextTest') {
      const req = first<PullRequest>(acc.acceptedRequest.input.args);
      if (req) shardOf.set(acc.acceptedRequest.meta?.updateId ?? '', req.shard);
      const span = req && running.delete(req.shard) ? spans.get(req.shard) : undefined;
      if (span) span[1] = at(e);
    }
    const done = e.workflowExecutionUpdateCompletedEventAttributes;
    const shard = shardOf.get(done?.meta?.updateId ?? '');
    if (shard === undefined || first<PullReply>(done?.outcome?.success)?.kind !== 'tests') continue;
    running.add(shard);
    if (!spans.has(shard)) spans.set(shard, [at(e), at(e)]);
  }
  return spans;
}

/** A child run's listing (unsharded: check starts right after) and test results, as times (pure). */
export function progressTimes(child: readonly Event[]): { listed: number | undefined; results: number[] } {
  let listed: number | undefined;
  const results: number[] = [];
  for (const e of child) {
    const sig = e.workflowExecutionSignaledEventAttributes;
    if (sig?.signalName !== 'batchProgress') continue;
    const s = first<BatchProgressSignal>(sig.input);
    if (s?.listed) listed ??= at(e);
    for (const _ of s?.results ?? []) results.push(at(e));
  }
  return { listed, results };
}

/** childIds in shard order (the cell names them …s0, …s1, …). */
export async function testPhase(
  client: Client,
  matrixId: string,
  cellId: string,
  childIds: readonly string[],
): Promise<TestPhase> {
  const events = async (id: string) => (await client.workflow.getHandle(id).fetchHistory()).events ?? [];
  const pulled = pullSpans(await events(cellId));
  const spans: [number, number][] = [];
  for (const [shard, id] of childIds.entries()) {
    const span = pulled.get(shard);
    if (span) {
      spans.push(span);
      continue;
    }
    const p = progressTimes(await events(id));
    if (childIds.length > 1 || p.listed === undefined || !p.results.length)
      throw new Error(`${id}: no test start or end in the histories`);
    spans.push([p.listed, Math.max(...p.results)]);
  }
  const t0 = Math.min(...spans.map(([s]) => s));
  const matrix = await events(matrixId);
  return {
    beforeSec: (t0 - at(matrix[0]!)) / 1000,
    makespanSec: (Math.max(...spans.map(([, e]) => e)) - t0) / 1000,
    busySec: spans.map(([s, e]) => (e - s) / 1000),
    shardStartSec: spans.map(([s]) => (s - t0) / 1000),
  };
}

/** The tests each shard ran, in order, from the shards' own summaries. */
export async function shardTests(client: Client, childIds: readonly string[]): Promise<RunSummary[]> {
  return Promise.all(childIds.map((id) => client.workflow.getHandle(id).result() as Promise<RunSummary>));
}

/**
 * The makespan of the queue's rule with no overhead (pure): each of k shards takes the longest
 * remaining test whenever it is free.
 */
export function lptMakespan(durations: readonly number[], k: number): number {
  const free = Array.from({ length: k }, () => 0);
  for (const d of [...durations].sort((a, b) => b - a)) {
    const i = free.indexOf(Math.min(...free));
    free[i]! += d;
  }
  return Math.max(...free);
}
