import type { ConnectOpts } from '../server/connection';
import { withEmbeddedWorker } from '../worker/embedded-worker';
import { followRuns, type Followed } from './follow-run';
import type { Interrupts } from '../core/interrupt';
import type { ValidRun } from './run-prepare';
import { startedLines, startRun } from './run-start';
import { openSession } from '../server/temporal';

// The part of `fsto run` that needs the Temporal client (loaded after the hand-over, see
// client/commands/run.ts): start what was not handed over, then follow every run to its end.

export interface RunCommandFlags extends ConnectOpts {
  json?: boolean;
  junit?: string;
  taskQueue: string;
}

export type NamedRun = ValidRun & { workflowId: string };

export async function followRunCommand(
  f: RunCommandFlags,
  runs: readonly NamedRun[],
  handed: ReadonlySet<string>,
  interrupts: Interrupts,
  log: (line: string) => void,
): Promise<number> {
  const session = await openSession(f);
  try {
    const ui = session.uiBase ? { base: session.uiBase, namespace: session.namespace } : undefined;
    const run = async (inProcessWorker: boolean) => {
      const handles: Followed[] = [];
      for (const p of runs) {
        if (handed.has(p.workflowId)) {
          handles.push({ handle: session.client.workflow.getHandle(p.workflowId), label: p.label });
          continue;
        }
        if (interrupts.first) break;
        handles.push({
          handle: await startRun(session.client, p, f.taskQueue, p.workflowId),
          label: p.label,
        });
        for (const l of startedLines(p.workflowId, p.label, ui)) log(l);
      }
      if (!handles.length) return interrupts.exitCode!;
      return followRuns(handles, { json: f.json, junit: f.junit, log, inProcessWorker, interrupts });
    };
    // Interrupted before any run started: none starts (a handed-over one is followed, to cancel it).
    if (interrupts.first && handed.size === 0) return interrupts.exitCode!;
    return await withEmbeddedWorker(session, run, {
      announce: log,
      ownSignals: true,
      taskQueue: f.taskQueue,
    });
  } finally {
    await session.close();
  }
}
