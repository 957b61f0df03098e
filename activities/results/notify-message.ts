import type { AutoBisection, ComparedTest, MatrixSummary } from '../../common/schemas';
import { nightName, nightOf } from '../../common/night';
import { bisectionLines, regressionNote } from '../../common/regression-notes';

// What a morning notification says (pure): the night against the previous one — regressions,
// fixes, new crashes, flaky tests (capped lists with counts, as the summary carries them) —
// and where to look: the report on the host, the workflow in the Temporal UI. A regression that
// was confirmed says so ("regression (confirmed 5/5)", its bisection's workflow id: the note).

export interface NightInput {
  summary: MatrixSummary;
  /** The Temporal UI's workflow page, when a UI address is known. */
  uiUrl?: string;
}

export interface NightMessage {
  matrix: string;
  /** The scheduled night's name: `nightly-xfs 2026-12-03`. */
  name?: string;
  night?: string;
  /** How many tests got a verdict. */
  ran: number;
  /** No test ran this night: no host took it, or every shard failed before a verdict. */
  noTestRan: boolean;
  status: string;
  outcome: string;
  baseline?: string;
  counts: Record<string, number>;
  /** `note`: its confirmation and bisection (common/regression-notes.ts), when confirmed. */
  regressions: (ComparedTest & { note?: string })[];
  /** The bisections the night started for its confirmed regressions, or why not. */
  bisections: AutoBisection[];
  fixes: ComparedTest[];
  newCrashes: ComparedTest[];
  flaky: ComparedTest[];
  more: Record<string, number>;
  errors: string[];
  report?: string;
  comparison?: string;
  ui?: string;
}

const name = (t: ComparedTest & { note?: string }) =>
  `${t.config} ${t.test} (${t.base ?? 'absent'} → ${t.current ?? 'absent'})${t.note ? `: ${t.note}` : ''}`;

export function nightMessage({ summary: s, uiUrl }: NightInput): NightMessage {
  const c = s.comparison;
  const counts: Record<string, number> = {};
  for (const r of s.runs) for (const [v, n] of Object.entries(r.counts)) counts[v] = (counts[v] ?? 0) + n;
  // A crash is new when the test did not crash the night before, whatever list it is in.
  const changed = c ? [...c.regressions, ...c.stillFailing, ...c.flaky] : [];
  const newCrashes = changed.filter((t) => t.current === 'crashed' && t.base !== 'crashed');
  const more: Record<string, number> = {};
  for (const k of ['regressions', 'fixes', 'flaky'] as const) if (c?.more?.[k]) more[k] = c.more[k];
  const night = nightOf(s.workflowId);
  const nameOf = nightName(s.workflowId);
  const ran = s.runs.reduce((a, r) => a + r.tests, 0);
  return {
    matrix: s.workflowId,
    ...(nameOf ? { name: nameOf } : {}),
    ...(night ? { night } : {}),
    ran,
    noTestRan: ran === 0 && !c,
    status: s.status,
    outcome: c?.outcome ?? (s.errors?.length ? 'error' : s.status),
    ...(c ? { baseline: c.base } : {}),
    counts,
    regressions: (c?.regressions ?? []).map((t) => {
      const note = regressionNote(s, t);
      return note ? { ...t, note } : t;
    }),
    bisections: s.bisections ?? [],
    fixes: c?.fixes ?? [],
    newCrashes,
    flaky: c?.flaky.map(({ config, test, base, current }) => ({ config, test, base, current })) ?? [],
    more,
    errors: s.errors ?? [],
    ...(s.report ? { report: s.report } : {}),
    ...(c?.full ? { comparison: c.full } : {}),
    ...(uiUrl ? { ui: uiUrl } : {}),
  };
}

export function nightSubject(m: NightMessage): string {
  const regs = m.regressions.length + (m.more.regressions ?? 0);
  const what = m.name ?? (m.night ? `night of ${m.night}` : m.matrix);
  if (m.noTestRan) return `fstests ${what}: NO TEST RAN (${m.errors.length} cell(s) in error)`;
  return `fstests ${what}: ${m.outcome.toUpperCase()}${regs ? `, ${regs} regression(s)` : ''}`;
}

/** The mail: headers and a plain text body (RFC 5322, for sendmail -t). */
export function nightMail(m: NightMessage, to: readonly string[]): string {
  const list = (title: string, items: ComparedTest[], more = 0) =>
    items.length
      ? [
          `${title} (${items.length + more}):`,
          ...items.map((t) => `  ${name(t)}`),
          ...(more ? [`  … and ${more} more`] : []),
          '',
        ]
      : [];
  const counts = Object.entries(m.counts)
    .map(([v, n]) => `${n} ${v}`)
    .join(', ');
  const oneLine = (s: string) => s.replace(/[\r\n]+/g, ' ');
  return [
    `To: ${to.join(', ')}`,
    `Subject: ${oneLine(nightSubject(m))}`,
    'Content-Type: text/plain; charset=utf-8',
    '',
    `matrix ${m.matrix}${m.name ? ` (${m.name})` : ''}: ${m.status}${m.baseline ? ` against ${m.baseline}` : ' (no previous night)'}`,
    m.noTestRan
      ? 'NO TEST RAN this night: no host took it, or every shard failed before a verdict (errors below).'
      : counts
        ? `verdicts: ${counts}`
        : 'no verdicts',
    '',
    ...list('REGRESSIONS', m.regressions, m.more.regressions),
    ...(m.bisections.length ? ['bisections:', ...bisectionLines(m).map((l) => `  ${l}`), ''] : []),
    ...list('new crashes', m.newCrashes),
    ...list('fixes', m.fixes, m.more.fixes),
    ...list('flaky', m.flaky, m.more.flaky),
    ...(m.errors.length ? ['errors:', ...m.errors.map((e) => `  ${e}`), ''] : []),
    ...(m.report ? [`report: ${m.report}`] : []),
    ...(m.comparison ? [`whole comparison: ${m.comparison}`] : []),
    ...(m.ui ? [`Temporal UI: ${m.ui}`] : []),
    '',
  ].join('\n');
}
