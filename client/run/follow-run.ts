import type { WorkflowHandle } from '@temporalio/client';
import type { RunSummary } from '../../common/schemas';
import { EXIT, exitCodeFor, exitCodeForFailure } from '../core/exit-codes';
import { interruptName, type Interrupts } from '../core/interrupt';
import { writeJunitOf } from './junit-out';
import { summaryText, testLine } from './print';
import { kernelLines, watchRun, type WatchOutcome } from './watch';

export interface FollowOptions {
  json?: boolean;
  junit?: string;
  /** Progress lines (stderr with --json). */
  log: (line: string) => void;
  /** Whether the runs' worker is this process (it stops when we exit) or runs elsewhere. */
  inProcessWorker: boolean;
  /** The command's interrupt handlers (installed at its start): this sets their steps. */
  interrupts: Interrupts;
}

export interface Followed {
  handle: WorkflowHandle;
  /** Prefix of its lines when several runs are followed at once (the config's name). */
  label?: string;
}

/**
 * The exit code of several runs: an infrastructure error first, then bad input, then failed
 * tests, then an interrupt (128 + its signal), then cancelled.
 */
export function worstExit(codes: readonly number[]): number {
  for (const c of [EXIT.infraError, EXIT.buildFailed, EXIT.badInput, EXIT.testsFailed])
    if (codes.includes(c)) return c;
  return codes.find((c) => c > 128) ?? (codes.includes(EXIT.cancelled) ? EXIT.cancelled : EXIT.ok);
}

/**
 * Follow runs to their end and print their verdicts. Ctrl-C once (or SIGTERM, or SIGHUP): cancel
 * them, wait for their cleanup (VMs stopped, devices released) and print the verdicts so far (exit
 * 128 + the signal: 130, 143, 129). Ctrl-C twice: stop following and say how to follow or cancel
 * them. A third time: exit at once.
 */
export async function followRuns(runs: readonly Followed[], o: FollowOptions): Promise<number> {
  const ids = runs.map((r) => r.handle.workflowId);
  const detach = new AbortController();
  o.interrupts.setSteps([
    () => {
      const first = o.interrupts.first ?? 'SIGINT';
      o.log(
        `\n${interruptName(first)}: cancelling ${ids.length > 1 ? `runs ${ids.join(', ')}` : `run ${ids[0]}`}; ` +
          `stopping VMs and releasing devices${first === 'SIGINT' ? ' (Ctrl-C again to detach)' : ''}`,
      );
      for (const r of runs)
        r.handle
          .cancel()
          .catch((err: unknown) => o.log(`could not cancel ${r.handle.workflowId}: ${String(err)}`));
    },
    () => detach.abort(),
  ]);
  const outcomes = await Promise.all(
    runs.map((r) => {
      const log = r.label && runs.length > 1 ? (l: string) => o.log(`[${r.label}] ${l}`) : o.log;
      return watchRun(r.handle, log, { signal: detach.signal });
    }),
  );
  if (outcomes.some((x) => x.kind === 'detached')) {
    o.log(detachedText(ids, o.inProcessWorker));
    return o.interrupts.exitCode!;
  }
  const summaries = outcomes.flatMap((x) => ('summary' in x && x.summary ? [x.summary] : []));
  if (o.junit && summaries.length) await writeJunitOf(o.junit, summaries);
  if (o.json) console.log(JSON.stringify(runs.length === 1 ? (summaries[0] ?? null) : summaries, null, 2));
  return worstExit(outcomes.map((x, i) => report(x, ids[i]!, runs[i]!.label, o)));
}

/** Print one run's end; its exit code. */
function report(x: WatchOutcome, id: string, label: string | undefined, o: FollowOptions): number {
  const say = (s: RunSummary) =>
    !o.json && console.log([summaryText(s, label), ...kernelLines(s)].join('\n'));
  switch (x.kind) {
    case 'detached':
      return o.interrupts.exitCode!;
    case 'failed':
      console.error(`run ${id} failed (${x.failure}): ${x.message}`);
      return exitCodeForFailure(x.failure);
    case 'cancelled':
      // The verdicts so far again, together, under the run they belong to.
      if (x.summary?.tests.length && !o.json) console.log(x.summary.tests.map(testLine).join('\n'));
      if (x.summary) say(x.summary);
      else o.log(`run ${id} was cancelled; its verdicts could not be read (fsto results ${id})`);
      if (x.interrupted) o.log(`${x.interrupted} was interrupted: no verdict`);
      o.log(`run ${id} cancelled; its devices and VMs are released`);
      return o.interrupts.exitCode ?? EXIT.cancelled;
    case 'completed':
      say(x.summary);
      return exitCodeFor(x.summary.status);
  }
}

/** What a second Ctrl-C leaves behind, and how to get back to it. */
export function detachedText(ids: readonly string[], inProcessWorker: boolean): string {
  return [
    `detached from ${ids.length > 1 ? 'runs' : 'run'} ${ids.join(', ')} (cancellation requested).`,
    inProcessWorker
      ? '  Their worker was this command: the cancellation and cleanup finish when a worker runs next\n' +
        '  (`fsto up`, `fsto worker`, or the next `fsto run`, which says so).'
      : '  Their worker finishes the cancellation and releases the devices and VMs.',
    ...ids.flatMap((id) => [`  follow: fsto watch ${id}`, `  cancel: fsto cancel ${id}`]),
  ].join('\n');
}
