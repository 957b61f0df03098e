import { bisectionLines, regressionNote } from '../../common/regression-notes';
import type { ComparedTest, Comparison, NightNotes, ResultRow, Verdict } from '../../common/schemas';
import { keyOf } from './compare';
import { REPORT_CSS } from './report-css';

// A static, self-contained HTML report of a run or a matrix (pure): tests × runs (one column
// per config and kernel) coloured by verdict, with durations, links to each test's artifacts
// and the run's junit.xml, and the diff against a baseline at the top, regressions first.
// Everything that comes from a run (names, reasons, crash signatures, paths) is escaped.

export interface ReportInput {
  title: string;
  rows: readonly ResultRow[];
  comparison?: Comparison;
  /** Per workflow id: its run dir as a path relative to the report file (artifacts/, junit.xml). */
  runHrefs?: Readonly<Record<string, string>>;
  /** Per workflow id, per test: the artifact kinds present (out.bad, full, dmesg, console.log …). */
  artifacts?: Readonly<Record<string, Readonly<Record<string, readonly string[]>>>>;
  /** A matrix's confirmations and bisections: each regression says what they found. */
  notes?: NightNotes;
  generatedAt?: string;
}

export function esc(s: string): string {
  return s
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;')
    .replace(/'/g, '&#39;');
}

/** A relative href from path segments: each encoded, so no segment can become a scheme or a query. */
export function href(...parts: string[]): string {
  return parts
    .flatMap((p) => p.split('/'))
    .filter((s, i) => (s !== '' || i === 0) && s !== '.')
    .map((s) => (s === '..' ? s : encodeURIComponent(s)))
    .join('/');
}

export function formatDuration(sec: number): string {
  if (sec < 60) return `${Math.round(sec)}s`;
  const m = Math.floor(sec / 60);
  const s = Math.round(sec % 60);
  return m < 60
    ? `${m}m${String(s).padStart(2, '0')}s`
    : `${Math.floor(m / 60)}h${String(m % 60).padStart(2, '0')}m`;
}

const natural = new Intl.Collator('en', { numeric: true }).compare;
const VERDICTS: Verdict[] = ['fail', 'crashed', 'hung', 'error', 'pass', 'notrun', 'expunged'];

type DiffKind = 'regression' | 'fix' | 'still-failing' | 'newly-not-run' | 'flaky';

type Diff = { kind: DiffKind; label: string; base?: Verdict; note?: string };

function diffIndex(c: Comparison | undefined, notes: NightNotes = {}): Map<string, Diff> {
  const m = new Map<string, Diff>();
  if (!c) return m;
  const put = (list: readonly ComparedTest[], kind: DiffKind, label: string) => {
    for (const t of list) m.set(keyOf(t), { kind, label, ...(t.base ? { base: t.base } : {}) });
  };
  put(c.stillFailing, 'still-failing', 'still failing');
  put(c.newlyNotRun, 'newly-not-run', 'newly not run');
  put(c.fixes, 'fix', 'fixed');
  for (const f of c.flaky) m.set(keyOf(f), { kind: 'flaky', label: `flaky ${Math.round(f.rate * 100)}%` });
  put(c.regressions, 'regression', 'REGRESSION');
  for (const t of c.regressions) {
    const note = regressionNote(notes, t);
    if (note) m.get(keyOf(t))!.note = note;
  }
  return m;
}

/** One column per config × kernel: a sharded matrix cell's shards merge into one column. */
interface Column {
  config: string;
  kernelRelease?: string;
  /** The runs (shards) whose rows fill this column. */
  workflowIds: string[];
  hosts: string[];
  rows: Map<string, ResultRow>;
}

function columnsOf(rows: readonly ResultRow[]): Column[] {
  const cols = new Map<string, Column>();
  for (const r of rows) {
    const key = `${r.config}\u0000${r.kernelRelease ?? ''}`;
    const col = cols.get(key) ?? {
      config: r.config,
      ...(r.kernelRelease ? { kernelRelease: r.kernelRelease } : {}),
      workflowIds: [],
      hosts: [],
      rows: new Map<string, ResultRow>(),
    };
    col.rows.set(r.test, r);
    if (!col.workflowIds.includes(r.workflowId)) col.workflowIds.push(r.workflowId);
    if (!col.hosts.includes(r.host)) col.hosts.push(r.host);
    cols.set(key, col);
  }
  return [...cols.values()].sort(
    (a, b) => natural(a.config, b.config) || natural(a.kernelRelease ?? '', b.kernelRelease ?? ''),
  );
}

function counts(rows: readonly ResultRow[]): string {
  return VERDICTS.map((v) => [v, rows.filter((r) => r.verdict === v).length] as const)
    .filter(([, n]) => n > 0)
    .map(([v, n]) => `<span class="chip v-${v}">${n} ${v}</span>`)
    .join(' ');
}

function changesSection(c: Comparison, notes: NightNotes = {}): string {
  const list = (
    title: string,
    cls: string,
    items: readonly (ComparedTest & { rate?: number; runs?: number })[],
  ) => {
    if (!items.length) return '';
    const lines = items.map((t) => {
      const extra = t.rate !== undefined ? ` — fails ${Math.round(t.rate * 100)}% of ${t.runs} runs` : '';
      const note = cls === 'regression' ? regressionNote(notes, t) : undefined;
      return `<li><a href="#${esc(`t-${t.test}`)}">${esc(t.test)}</a> <span class="cfg">${esc(t.config)}</span>
        <span class="trans">${esc(t.base ?? 'absent')} → ${esc(t.current ?? 'absent')}</span>${esc(extra)}${
          note ? ` <span class="note">${esc(note)}</span>` : ''
        }</li>`;
    });
    return `<div class="changes ${cls}"><h3>${esc(title)} (${items.length})</h3><ul>${lines.join('')}</ul></div>`;
  };
  const bisections = bisectionLines(notes);
  const bisecting = bisections.length
    ? `<div class="changes bisections"><h3>Bisections (${bisections.length})</h3><ul>${bisections
        .map((l) => `<li>${esc(l)}</li>`)
        .join('')}</ul></div>`
    : '';
  return `<section id="diff" data-outcome="${esc(c.outcome)}">
  <h2>Against baseline <code>${esc(c.base)}</code>: <span class="outcome o-${esc(c.outcome)}">${esc(c.outcome)}</span></h2>
  <p>${c.regressions.length} regressions, ${c.fixes.length} fixes, ${c.stillFailing.length} still failing,
  ${c.newlyNotRun.length} newly not run, ${c.flaky.length} flaky, ${c.added.length} added, ${c.unchanged} unchanged.</p>
  ${list('Regressions', 'regression', c.regressions)}${bisecting}${list('Fixes', 'fix', c.fixes)}${list('Flaky', 'flaky', c.flaky)}${list('Newly not run', 'newly-not-run', c.newlyNotRun)}${list('Still failing', 'still-failing', c.stillFailing)}
</section>`;
}

function cell(col: Column, test: string, input: ReportInput, diffs: ReturnType<typeof diffIndex>): string {
  const r = col.rows.get(test);
  const d = diffs.get(keyOf({ config: col.config, test }));
  const badge = d
    ? `<span class="badge d-${d.kind}"${d.note ? ` title="${esc(d.note)}"` : ''}>${esc(d.label)}${d.base ? ` (was ${esc(d.base)})` : ''}</span>`
    : '';
  if (!r) return `<td class="v-absent${d ? ` d-${d.kind}` : ''}">—${badge}</td>`;
  // Artifacts live in the run (shard) that ran the test.
  const runHref = input.runHrefs?.[r.workflowId];
  const kinds = input.artifacts?.[r.workflowId]?.[test] ?? [];
  const links = runHref
    ? kinds
        .map((k) => `<a class="art" href="${esc(href(runHref, 'artifacts', test, k))}">${esc(k)}</a>`)
        .join(' ')
    : '';
  const detail = r.crashSignature ?? r.reason;
  const title = [r.verdict, detail, r.flakyAttempts ? `passed on attempt ${r.flakyAttempts}` : '']
    .filter(Boolean)
    .join(' — ');
  return `<td class="v-${r.verdict}${d ? ` d-${d.kind}` : ''}" data-verdict="${r.verdict}" title="${esc(title)}">
    <span class="verdict">${esc(r.verdict)}</span> <span class="dur">${esc(formatDuration(r.durationSec))}</span>${badge}
    ${detail ? `<div class="detail">${esc(detail.slice(0, 160))}</div>` : ''}${links ? `<div class="links">${links}</div>` : ''}</td>`;
}

export function renderReportHtml(input: ReportInput): string {
  const cols = columnsOf(input.rows);
  const tests = [...new Set(input.rows.map((r) => r.test))].sort(natural);
  const diffs = diffIndex(input.comparison, input.notes);
  const head = cols.map((c) => {
    const total = [...c.rows.values()].reduce((s, r) => s + r.durationSec, 0);
    const runs = c.workflowIds.map((id) => {
      const runHref = input.runHrefs?.[id];
      const junit = runHref ? ` <a href="${esc(href(runHref, 'junit.xml'))}">junit</a>` : '';
      return `<div class="meta">${esc(id)}${junit}</div>`;
    });
    const shards = c.workflowIds.length > 1 ? ` · ${c.workflowIds.length} shards` : '';
    return `<th scope="col"><div class="cfgname">${esc(c.config)}</div><div class="meta">${esc(c.kernelRelease ?? 'kernel ?')}</div>
      <div class="meta">${esc(c.hosts.join(', '))} · ${esc(formatDuration(total))}${shards}</div>${runs.join('')}</th>`;
  });
  const body = tests.map((t) => {
    const kinds = new Set(
      cols.map((c) => diffs.get(keyOf({ config: c.config, test: t }))?.kind).filter(Boolean),
    );
    const cls = kinds.has('regression') ? ' class="regression"' : '';
    return `<tr id="${esc(`t-${t}`)}" data-test="${esc(t)}"${cls}><th scope="row">${esc(t)}</th>${cols
      .map((c) => cell(c, t, input, diffs))
      .join('')}</tr>`;
  });
  return `<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>${esc(input.title)}</title><style>${REPORT_CSS}</style></head>
<body>
<header><h1>${esc(input.title)}</h1>
<p class="meta">${tests.length} tests × ${cols.length} runs${input.generatedAt ? ` · generated ${esc(input.generatedAt)}` : ''}</p>
<p>${counts(input.rows)}</p></header>
${input.comparison ? changesSection(input.comparison, input.notes) : '<p class="meta">No baseline to compare with.</p>'}
<section id="matrix"><table>
<thead><tr><th scope="col">test</th>${head.join('')}</tr></thead>
<tbody>
${body.join('\n')}
</tbody></table></section>
<footer class="meta">Verdicts: ${VERDICTS.map((v) => `<span class="chip v-${v}">${v}</span>`).join(' ')}</footer>
</body></html>
`;
}
