import { WorkflowFailedError, type WorkflowHandle } from '@temporalio/client';
import { CancelledFailure } from '@temporalio/common';
import { rootMessage } from '../common/errors';
import { progressQuery } from '../common/queries';
import type { RunProgress, RunSummary, TestResult } from '../common/schemas';
import { progressLine, testLine } from './print';

export type WatchOutcome =
  | { kind: 'completed'; summary: RunSummary }
  | { kind: 'cancelled' }
  | { kind: 'failed'; message: string };

/**
 * Follow a run until it closes: a line per finished test and a progress line when the phase
 * or current test changes. Polls the `progress` query (answered from workflow memory).
 */
export async function watchRun(
  handle: WorkflowHandle,
  out: (line: string) => void,
  intervalMs = 2000,
): Promise<WatchOutcome> {
  let printed = 0;
  let lastLine = '';
  let closed = false;
  const result = handle.result().finally(() => (closed = true));
  result.catch(() => undefined); // handled below; keeps Node from calling it unhandled meanwhile
  const show = (p: RunProgress) => {
    for (const t of p.finished.slice(printed)) out(testLine(brief(t)));
    printed = Math.max(printed, p.finished.length);
    const line = progressLine(p);
    if (line !== lastLine) out((lastLine = line));
  };
  while (!closed) {
    try {
      show(await handle.query(progressQuery));
    } catch {
      // No worker has picked the workflow up yet, or it just closed: try again.
    }
    await Promise.race([result.catch(() => undefined), new Promise((r) => setTimeout(r, intervalMs))]);
  }
  try {
    const summary = (await result) as RunSummary;
    for (const t of summary.tests.slice(printed)) out(testLine(brief(t)));
    return { kind: 'completed', summary };
  } catch (err) {
    if (err instanceof WorkflowFailedError && err.cause instanceof CancelledFailure)
      return { kind: 'cancelled' };
    return { kind: 'failed', message: rootMessage(err) };
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
