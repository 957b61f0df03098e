import type { RunProgress, RunSummary, TestResult } from '../../common/schemas';

// What people read in the terminal: one line per finished test, like fstests' own `check`.

export function testLine(t: TestResult): string {
  const dur = `${Math.round(t.durationSec)}s`;
  const tail = t.reason ? `  ${t.reason}` : t.crashSignature ? `  ${t.crashSignature}` : '';
  const flaky = t.flakyAttempts ? ` (flaky: passed on attempt ${t.flakyAttempts})` : '';
  return `${t.name.padEnd(16)} ${t.verdict.padEnd(8)} ${dur.padStart(6)}${flaky}${tail}`;
}

export function progressLine(p: RunProgress): string {
  const eta = p.etaSec !== undefined ? `, ETA ${Math.ceil(p.etaSec / 60)} min` : '';
  const cur = p.currentTest ? ` — running ${p.currentTest}` : '';
  return `[${p.phase}] ${p.done}/${p.total} done${eta}${cur}`;
}

export function summaryText(s: RunSummary, config?: string): string {
  const by = new Map<string, number>();
  for (const t of s.tests) by.set(t.verdict, (by.get(t.verdict) ?? 0) + 1);
  const counts = [...by].map(([v, n]) => `${n} ${v}`).join(', ') || 'no tests';
  const head = `run ${s.workflowId}${config ? ` [${config}]` : ''}: ${s.status.toUpperCase()} (${counts})`;
  if (!s.hostId) return `${head}\nnever started: no host had taken it yet`;
  const from =
    s.kernel?.kind === 'tree'
      ? ` from the build tree ${s.kernel.path}`
      : s.kernel
        ? ` (${s.kernel.image})`
        : '';
  return [
    head,
    `kernel ${s.kernelRelease ?? '?'}${from} on host ${s.hostId}`,
    `results: ${s.resultsDir}`,
    ...(s.report ? [`report: ${s.report}`] : []),
    ...(s.filingError ? [`not in the results store (the verdicts above stand): ${s.filingError}`] : []),
    ...(s.releaseError ? [`not all released (the host's reaper retries): ${s.releaseError}`] : []),
  ].join('\n');
}
