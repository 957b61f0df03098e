import { WorkflowFailedError, type WorkflowHandle } from '@temporalio/client';
import { CancelledFailure } from '@temporalio/common';
import { matrixProgressQuery } from '../../common/queries';
import { MatrixSummary, type MatrixProgress } from '../../common/schemas';
import { listCount } from '../../activities/results/compare-bound';
import { bisectionLines, regressionNote } from '../../common/regression-notes';
import { liveProgress } from './matrix-cells';
import { EXIT, exitCodeFor, exitCodeForFailure } from '../core/exit-codes';
import { commonFailureKind, failureKind, rootMessage, type FailureKind } from '../../common/errors';

const label = (r: { config: string; kernel: string }) => `${r.config} × ${r.kernel}`;

/** One line per config × kernel whose state changed, and the matrix total. */
export function progressLines(p: MatrixProgress, before?: MatrixProgress): string[] {
  const prev = new Map(before?.runs.map((r) => [label(r), r]));
  const lines = p.runs
    .filter((r) => {
      const o = prev.get(label(r));
      return !o || o.status !== r.status || o.done !== r.done || o.total !== r.total;
    })
    .map((r) => `  ${label(r).padEnd(40)} ${r.status.padEnd(9)} ${r.done}/${r.total}`);
  if (lines.length > 0) lines.push(`[matrix] ${p.done}/${p.total} tests done`);
  return lines;
}

export function matrixSummaryText(s: MatrixSummary): string {
  const rows = s.runs.flatMap((r) => {
    const counts = Object.entries(r.counts)
      .map(([v, n]) => `${n} ${v}`)
      .join(', ');
    const head = `  ${label(r).padEnd(40)} ${r.status.toUpperCase().padEnd(9)} ${r.tests}/${r.listed} tests${counts ? ` (${counts})` : ''}`;
    const bad = r.failing.map(
      (t) => `    ${t.verdict.padEnd(8)} ${t.name}${t.signature ? `  ${t.signature}` : ''}`,
    );
    const more = r.failingMore ? [`    … and ${r.failingMore} more (fsto report ${s.workflowId})`] : [];
    return [head, ...(r.error ? [`    ${r.error.split('\n')[0]}`] : []), ...bad, ...more];
  });
  const c = s.comparison;
  const cmp = c
    ? [
        `against ${c.base}: ${c.outcome} (${listCount(c, 'regressions')} regressions, ${listCount(c, 'fixes')} fixed)`,
        ...c.regressions.map((t) => {
          const note = regressionNote(s, t);
          return `  regression ${t.config} ${t.test}: ${t.base ?? 'absent'} → ${t.current ?? 'absent'}${note ? `: ${note}` : ''}`;
        }),
        ...(c.more?.regressions
          ? [`  … and ${c.more.regressions} more (${c.full ?? s.report ?? 'fsto report'})`]
          : []),
      ]
    : [];
  const bisections = bisectionLines(s).map((l) => `  ${l}`);
  const report = s.report ? [`report: ${s.report}`] : [];
  return [
    `matrix ${s.workflowId}: ${s.status.toUpperCase()}`,
    ...rows,
    ...cmp,
    ...(bisections.length ? ['bisections:', ...bisections] : []),
    ...report,
  ].join('\n');
}

/**
 * 0 only when the matrix and every one of its runs passed. A matrix in error exits as its cells'
 * failures say: 2 when every cell in error was refused as bad input (no `check` in the tree…), 5
 * when each was a kernel that did not build, else 3.
 */
export function matrixExitCode(s: MatrixSummary): number {
  if (s.status === 'error') {
    const kind = commonFailureKind(s.runs.filter((r) => r.status === 'error').map((r) => r.failure));
    return exitCodeForFailure(kind ?? 'infrastructure');
  }
  const code = exitCodeFor(s.status);
  if (code !== EXIT.ok) return code;
  return s.runs.every((r) => r.status === 'passed') ? EXIT.ok : EXIT.testsFailed;
}

export type MatrixOutcome =
  | { kind: 'completed'; summary: MatrixSummary }
  | { kind: 'cancelled' }
  | { kind: 'failed'; message: string; failure: FailureKind };

/**
 * Follow a matrix until it closes, polling `matrixProgress` and, for running cells, their
 * `cellProgress` and live shards' `progress` (all answered from workflow memory).
 */
export async function watchMatrix(
  handle: WorkflowHandle,
  out: (line: string) => void,
  intervalMs = 2000,
): Promise<MatrixOutcome> {
  let closed = false;
  let last: MatrixProgress | undefined;
  const result = handle.result().finally(() => (closed = true));
  result.catch(() => undefined); // handled below
  while (!closed) {
    try {
      const p = await liveProgress(handle.client, await handle.query(matrixProgressQuery));
      for (const l of progressLines(p, last)) out(l);
      last = p;
    } catch {
      // No worker has picked the matrix up yet, or it just closed: try again.
    }
    await Promise.race([result.catch(() => undefined), new Promise((r) => setTimeout(r, intervalMs))]);
  }
  try {
    const parsed = MatrixSummary.safeParse(await result);
    if (!parsed.success)
      return {
        kind: 'failed',
        message: `unexpected matrix result: ${parsed.error.message}`,
        failure: 'infrastructure',
      };
    return { kind: 'completed', summary: parsed.data };
  } catch (err) {
    if (err instanceof WorkflowFailedError && err.cause instanceof CancelledFailure)
      return { kind: 'cancelled' };
    return { kind: 'failed', message: rootMessage(err), failure: failureKind(err) };
  }
}
