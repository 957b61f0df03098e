import type { RunOwner } from '../../activities/ledger/owner';
import type { ReapReport } from '../../activities/ledger/reaper';

// What `fsto devices reap` says about the runs it did not judge or judged as moved: each line
// names the run and why, so a person knows which server to ask about it.

function who(o: RunOwner): string {
  return `server ${o.clusterId}${o.address ? ` (${o.address})` : ''}, namespace ${o.namespace}`;
}

export function reapNotes(
  report: Pick<ReapReport, 'skippedForeignRuns' | 'skippedOpenRuns' | 'movedRuns'>,
  me: RunOwner | undefined,
  owners: Record<string, RunOwner | undefined>,
): string[] {
  const lines: string[] = [];
  for (const k of report.skippedForeignRuns) {
    const o = owners[k];
    lines.push(
      o
        ? `skipped ${k}: owned by ${who(o)}, not ${me ? who(me) : 'this server'}; run fsto devices reap --address ${o.address ?? '<its address>'} --namespace ${o.namespace} to judge it`
        : `skipped ${k}: recorded without an owner (fsto vm run, or an older fsto)`,
    );
  }
  for (const k of report.skippedOpenRuns) lines.push(`kept ${k}: the run is still open on this host`);
  for (const m of report.movedRuns)
    lines.push(`released ${m.runKey}'s devices: the run is open but its steps now go to ${m.to}`);
  return lines;
}
