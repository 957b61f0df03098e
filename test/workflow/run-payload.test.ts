import type { WorkflowHandle } from '@temporalio/client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { REASON_MAX, type RunSummary } from '../../common/schemas';
import type { fstestsRun } from '../../workflows';
import { connect, uniqueId } from '../helpers/temporal';
import { scriptedBatch, startScriptedHost } from '../helpers/scripted-host';

// The real fstestsRun on the real dev server, with a scripted guest in which every one of 2,500
// tests fails with a full-length reason (a long .out.bad diff each). What the run ships is read
// back from the server's own history: the summary it returns and every activity input it
// schedules (the results step, fileRunResults, gets every verdict once, and returns only what it
// changed — nothing here: its result is read back too). Unbounded, each is ~1.7 MB (2,500 ×
// REASON_MAX), close to Temporal's 2 MB payload limit; at 3,000 tests such a run could not end.
// (The scripted batch's own result is not the product's: runTestBatch bounds it the same way.)

const N = 2_500;
const names = Array.from({ length: N }, (_, i) => `generic/${String(i + 1).padStart(4, '0')}`);
const diff = (t: string) => `- output mismatch (see /results/${t}.out.bad)\n${'+ differs '.repeat(80)}`;

/** Bytes of every payload under `x` (the data each payload carries, as the server stores it). */
function payloadBytes(x: unknown): number {
  if (x instanceof Uint8Array) return x.length;
  if (!x || typeof x !== 'object') return 0;
  return Object.values(x).reduce((n: number, v) => n + payloadBytes(v), 0);
}

describe('a run of many failing tests', () => {
  let env: Awaited<ReturnType<typeof connect>>;
  /** The history a few events a page (the scripted batch's own result alone is ~1.7 MB). */
  const history = async (workflowId: string) => {
    type Page = Awaited<ReturnType<typeof env.client.workflowService.getWorkflowExecutionHistory>>;
    const events: NonNullable<NonNullable<Page['history']>['events']> = [];
    let nextPageToken: Uint8Array | undefined;
    do {
      const page = await env.client.workflowService.getWorkflowExecutionHistory({
        namespace: env.client.options.namespace,
        execution: { workflowId },
        maximumPageSize: 2,
        ...(nextPageToken ? { nextPageToken } : {}),
      });
      events.push(...(page.history?.events ?? []));
      nextPageToken = page.nextPageToken?.length ? page.nextPageToken : undefined;
    } while (nextPageToken);
    return events;
  };
  beforeAll(async () => {
    env = await connect();
  });
  afterAll(async () => env?.close());

  it('ships a bounded summary and bounded cleanup inputs; the first reasons whole, the rest pointed to', async () => {
    expect(diff(names[0]!).length).toBeGreaterThan(REASON_MAX);
    const batch = scriptedBatch({
      listing: names,
      behave: () => 'fail',
      reason: (t) => diff(t).slice(0, REASON_MAX),
    });
    const host = await startScriptedHost(batch.run);
    let summary: RunSummary;
    let handle: WorkflowHandle<typeof fstestsRun>;
    try {
      handle = await env.client.workflow.start<typeof fstestsRun>('fstestsRun', {
        taskQueue: host.workflowQueue,
        workflowId: uniqueId('payload'),
        args: [{ fstests: '/fstests', fs: 'xfs', tests: names, hostLossTimeoutSec: 30 }],
      });
      summary = await handle.result();
    } finally {
      await host.stop();
    }
    // Every verdict is there, each test once.
    expect(summary.tests.map((t) => t.name)).toEqual(names);
    expect(new Set(summary.tests.map((t) => t.verdict))).toEqual(new Set(['fail']));
    // The first reasons whole, the later ones their first line and where the rest is.
    expect(summary.tests[0]!.reason).toBe(diff(names[0]!).slice(0, REASON_MAX));
    expect(summary.tests[N - 1]!.reason).toMatch(
      /^- output mismatch \(see \/results\/generic\/2500\.out\.bad\)\n… \(cut: /,
    );

    const events = await history(handle.workflowId);
    const result = payloadBytes(events.at(-1)!.workflowExecutionCompletedEventAttributes);
    const inputs = events
      .map((e) => e.activityTaskScheduledEventAttributes)
      .filter(
        (a) => a && ['fileRunResults', 'finishRun', 'recordRunResults'].includes(a.activityType?.name ?? ''),
      )
      .map((a) => [a!.activityType!.name!, payloadBytes(a!.input)] as const);
    const step = events.find(
      (e) => e.activityTaskScheduledEventAttributes?.activityType?.name === 'fileRunResults',
    );
    const filed = events.find(
      (e) => Number(e.activityTaskCompletedEventAttributes?.scheduledEventId) === Number(step?.eventId),
    );
    const filedBytes = payloadBytes(filed?.activityTaskCompletedEventAttributes?.result);
    console.log(
      `[payload] ${N} failing tests: result ${result} B; ${inputs.map(([n, b]) => `${n} ${b} B`).join(', ')}; fileRunResults returned ${filedBytes} B`,
    );
    // One results step; the list crosses to it once and does not come back.
    expect(inputs.map(([n]) => n)).toEqual(['fileRunResults']);
    expect(filedBytes).toBeGreaterThan(0);
    expect(filedBytes).toBeLessThan(1_000);
    // ≤ 300 bytes a test plus the reasons' budget: well under 2 MB, and not 2,500 × REASON_MAX.
    for (const bytes of [result, ...inputs.map(([, b]) => b)]) expect(bytes).toBeLessThan(N * 300 + 200_000);
  }, 240_000);
});
