import { WorkflowFailedError, type WorkflowHandle } from '@temporalio/client';
import { CancelledFailure } from '@temporalio/common';
import { failureKind, rootMessage, type FailureKind } from '../../common/errors';
import { progressQuery } from '../../common/queries';
import type { RunProgress, RunSummary, TestResult } from '../../common/schemas';
import { cancelledSummary } from './cancelled-summary';
import { progressLine, testLine } from './print';

export type WatchOutcome =
  | { kind: 'completed'; summary: RunSummary }
  /** The verdicts it had when cancelled, when they could be read. */
  | { kind: 'cancelled'; summary?: RunSummary; interrupted?: string }
  /** `failure`: what kind of failure it was (its exit code: exitCodeForFailure). */
  | { kind: 'failed'; message: string; failure: FailureKind }
  /** `signal` aborted: stopped following; the run goes on. */
  | { kind: 'detached' };

/**
 * Follow a run until it closes: a line per finished test and a progress line when the phase
 * or current test changes. Polls the `progress` query (answered from workflow memory).
 */
export async function watchRun(
  handle: WorkflowHandle,
  out: (line: string) => void,
  o: { intervalMs?: number; signal?: AbortSignal } = {},
): Promise<WatchOutcome> {
  let printed = new Set<string>();
  let lastLine = '';
  let running: string | undefined;
  let closed = false;
  // Its calls end with `signal`: a detached command must not leave them retrying on a connection
  // it is about to close.
  // Each call gets a signal of its own, relayed from `signal`: the SDK adds an abort listener to
  // the signal of every call and never removes it (a query every 2 s for hours).
  const abortable = <T>(call: () => Promise<T>) => {
    const outer = o.signal;
    if (!outer) return call();
    const own = new AbortController();
    const relay = () => own.abort();
    outer.addEventListener('abort', relay, { once: true });
    return handle.client.connection
      .withAbortSignal(own.signal, call)
      .finally(() => outer.removeEventListener('abort', relay));
  };
  // The run's end is seen by describe() with each progress query, not by a long-polling result():
  // the SDK adds an abort listener per long poll to the call's signal and removes none (a run of
  // a few minutes already made Node warn of a leak).
  const aborted = new Promise<void>((r) => o.signal?.addEventListener('abort', () => r(), { once: true }));
  const print = (tests: readonly TestResult[]) => {
    for (const t of tests) if (!printed.has(t.name)) out(testLine(brief(t)));
    printed = new Set([...printed, ...tests.map((t) => t.name)]);
  };
  const show = (p: RunProgress) => {
    print(p.finished);
    if (p.phase === 'testing' || p.phase === 'retrying') running = p.currentTest;
    const line = progressLine(p);
    if (line !== lastLine) out((lastLine = line));
  };
  while (!closed) {
    if (o.signal?.aborted) return { kind: 'detached' };
    try {
      // A query waits for a worker (none may poll the run's queue): it ends with `signal` too.
      show(await abortable(() => handle.query(progressQuery)));
    } catch {
      // No worker has picked the workflow up yet, or it just closed: try again.
    }
    closed = await abortable(() => handle.describe()).then(
      (d) => d.status.name !== 'RUNNING',
      () => false,
    );
    if (closed) break;
    const tick = new Promise((r) => setTimeout(r, o.intervalMs ?? 2000));
    await Promise.race([tick, aborted]);
  }
  if (o.signal?.aborted) return { kind: 'detached' };
  try {
    const summary = (await abortable(() => handle.result())) as RunSummary;
    print(summary.tests);
    return { kind: 'completed', summary };
  } catch (err) {
    if (err instanceof WorkflowFailedError && err.cause instanceof CancelledFailure) {
      const summary = await cancelledSummary(handle);
      if (summary) print(summary.tests);
      const cut = running && !summary?.tests.some((t) => t.name === running) ? running : undefined;
      return { kind: 'cancelled', ...(summary ? { summary } : {}), ...(cut ? { interrupted: cut } : {}) };
    }
    return { kind: 'failed', message: rootMessage(err), failure: failureKind(err) };
  }
}

/** A crash's reason is a console excerpt: on the terminal, its crash line and where the console is. */
function brief(t: TestResult): TestResult {
  if (!t.reason || !t.crashSignature || t.verdict === 'fail') return t;
  return { ...t, reason: t.reason.split('\n').slice(0, 2).join('\n') };
}

/** For the summary: each crash the kernel logged, named by its own line (the panic, the oops). */
export function kernelLines(s: RunSummary): string[] {
  return s.tests
    .filter((t) => t.crashSignature)
    .map((t) => `kernel: ${t.name} ${t.verdict}: ${t.crashSignature}`);
}
