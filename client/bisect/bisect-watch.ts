import type { WorkflowHandle } from '@temporalio/client';
import { rootMessage } from '../../common/errors';
import { bisectProgressQuery } from '../../common/queries';
import type { BisectProgress, BisectResult, BisectStep } from '../../common/schemas';

// Following a bisection: its range and steps as they change (the bisectProgress query, every few
// seconds), then the answer. Pure text helpers beside the loop.

const short = (c: string) => c.slice(0, 12);

export const stepLine = (s: BisectStep, i: number) =>
  `step ${i + 1}: ${short(s.commit)}${s.describe ? ` (${s.describe})` : ''} → ${s.verdict}` +
  `${s.cached ? ' [build cached]' : ''}  runs: ${s.runs.map((r) => `${r.status}${r.failed.length ? ` ${r.failed.join(',')}` : ''}`).join('; ')}` +
  `${s.reason ? `\n    ${s.reason.split('\n')[0]}` : ''}`;

export const rangeLine = (p: BisectProgress) =>
  `range: good ${short(p.good)} … bad ${short(p.bad)}, ${p.remaining} commit(s) left${p.current ? `; testing ${short(p.current)}` : ''}`;

export function resultText(r: BisectResult): string {
  const head = r.firstBad
    ? `first bad commit: ${r.firstBad.commit} ${r.firstBad.subject}`
    : `the first bad commit could not be told (skipped commits in the way); it is one of:\n${(r.candidates ?? []).map((c) => `  ${c}`).join('\n')}`;
  return [head, ...r.steps.map(stepLine)].join('\n');
}

export type BisectOutcome =
  | { kind: 'completed'; result: BisectResult }
  | { kind: 'failed'; message: string; error: unknown };

/** Print the range and each new step as they come; resolve with the end. */
export async function watchBisect(
  handle: WorkflowHandle,
  log: (l: string) => void,
  everyMs = 3000,
): Promise<BisectOutcome> {
  let said = '';
  let steps = 0;
  const poll = async () => {
    const p = await handle.query(bisectProgressQuery).catch(() => undefined);
    if (!p) return;
    for (; steps < p.steps.length; steps++) log(stepLine(p.steps[steps]!, steps));
    const line = rangeLine(p);
    if (line !== said) log((said = line));
  };
  const timer = setInterval(() => void poll(), everyMs);
  try {
    const result = (await handle.result()) as BisectResult;
    return { kind: 'completed', result };
  } catch (err) {
    return { kind: 'failed', message: rootMessage(err), error: err };
  } finally {
    clearInterval(timer);
  }
}
