import { mkdir, readdir, readFile, rename, writeFile } from 'node:fs/promises';
import { dirname, join, relative } from 'node:path';
import { Comparison, type NightNotes } from '../../common/schemas';
import { stateDir } from '../settings';
import { compareStored, defaultBaseline, loadSide } from './baseline';
import { nightName } from '../../common/night';
import { renderJunitAggregate, suitesFromRows } from './junit-aggregate';
import { renderReportHtml } from './report-html';
import type { ResultsStore } from './store-contract';

// Writing a run's or a matrix's report from the store (host side): finds the baseline, lists
// the artifacts each run dir holds, and links them relative to where the report is written.

export interface WriteReportOptions {
  /** A run or matrix id; 'none' for no comparison; default: the previous run/matrix. */
  baseline?: string;
  /** Default: <stateDir>/reports/<id>.html */
  out?: string;
  /** Also write the aggregated JUnit here. */
  junitOut?: string;
  title?: string;
  /** A matrix's confirmations and bisections, told per regressed test (regression-notes.ts). */
  notes?: NightNotes;
  /** Take the comparison an earlier write of this report saved beside it (the same night, notes added). */
  reuseComparison?: boolean;
}

export interface WrittenReport {
  path: string;
  baseline?: string;
  comparison?: Comparison;
  /** The whole comparison as JSON, beside the report: <report>.comparison.json. */
  comparisonPath?: string;
}

/** The artifact kinds of each test of a run dir: <runDir>/artifacts/<dir>/<num>/<kind>. */
export async function listArtifacts(runDir: string): Promise<Record<string, string[]>> {
  const out: Record<string, string[]> = {};
  const root = join(runDir, 'artifacts');
  const ls = async (p: string) =>
    (await readdir(p, { withFileTypes: true }).catch(() => [])).filter((e) => e.isDirectory());
  for (const d of await ls(root)) {
    for (const n of await ls(join(root, d.name))) {
      const kinds = (await readdir(join(root, d.name, n.name)).catch(() => [])).sort();
      if (kinds.length) out[`${d.name}/${n.name}`] = kinds;
    }
  }
  return out;
}

/** Write a file whole or not at all (a reader never sees half a report). */
async function writeAtomic(path: string, text: string): Promise<void> {
  await mkdir(dirname(path), { recursive: true });
  const tmp = `${path}.tmp-${process.pid}`;
  await writeFile(tmp, text);
  await rename(tmp, path);
}

export async function writeReport(
  store: ResultsStore,
  id: string,
  opts: WriteReportOptions = {},
): Promise<WrittenReport> {
  const current = await loadSide(store, id);
  const baseline =
    opts.baseline === 'none' ? undefined : (opts.baseline ?? (await defaultBaseline(store, current)));
  const path = opts.out ?? join(stateDir(), 'reports', `${id}.html`);
  const comparisonPath = path.replace(/(\.html?)?$/, '.comparison.json');
  const saved =
    opts.reuseComparison && baseline ? await savedComparison(comparisonPath, baseline) : undefined;
  const comparison =
    saved ??
    (baseline ? (await compareStored(store, baseline, id, { loaded: current })).comparison : undefined);
  const runHrefs: Record<string, string> = {};
  const artifacts: Record<string, Record<string, string[]>> = {};
  const recs =
    current.kind === 'matrix'
      ? await store.lastRuns(100_000, { matrixId: id })
      : [await store.getRun(id)].filter((r) => r !== undefined);
  for (const rec of recs) {
    const wf = rec.workflowId;
    const runDir = dirname(rec.resultsDir);
    runHrefs[wf] = relative(dirname(path), runDir) || '.';
    artifacts[wf] = await listArtifacts(runDir);
  }
  const night = current.kind === 'matrix' ? nightName(id) : undefined;
  const html = renderReportHtml({
    title:
      opts.title ??
      `fstests ${night ? `${night}: ` : ''}${current.kind} ${id}${baseline ? ` vs ${baseline}` : ''}`,
    rows: current.rows,
    ...(comparison ? { comparison } : {}),
    runHrefs,
    artifacts,
    ...(opts.notes ? { notes: opts.notes } : {}),
    generatedAt: new Date().toISOString(),
  });
  await writeAtomic(path, html);
  if (opts.junitOut) await writeAtomic(opts.junitOut, renderJunitAggregate(suitesFromRows(current.rows)));
  if (comparison && !saved) await writeAtomic(comparisonPath, JSON.stringify(comparison));
  return {
    path,
    ...(baseline ? { baseline } : {}),
    ...(comparison ? { comparison, comparisonPath } : {}),
  };
}

/** The comparison saved by an earlier write against the same baseline; undefined if none is. */
async function savedComparison(file: string, baseline: string): Promise<Comparison | undefined> {
  try {
    const parsed = Comparison.safeParse(JSON.parse(await readFile(file, 'utf8')));
    return parsed.success && parsed.data.base === baseline ? parsed.data : undefined;
  } catch {
    return undefined; // none saved, or not whole: compared anew
  }
}
