import type { Comparison, ResultRow } from '../../common/schemas';
import { compareRuns } from './compare';
import type { ResultsStore } from './store-contract';

// Comparisons over the store: an id names a run (workflow id) or a matrix (matrix id); the
// default baseline is the run's previous run of the same config, or the matrix's previous matrix.

export interface Side {
  id: string;
  kind: 'run' | 'matrix';
  rows: ResultRow[];
  /** When the side was recorded (the newest of its runs). */
  finishedAt: string;
}

export async function loadSide(store: ResultsStore, id: string): Promise<Side> {
  const run = await store.runRows(id);
  if (run.length) return { id, kind: 'run', rows: run, finishedAt: run[0]!.finishedAt };
  const rec = await store.getRun(id);
  if (rec) return { id, kind: 'run', rows: [], finishedAt: rec.finishedAt };
  const matrix = await store.matrixRows(id);
  if (matrix.length) {
    const finishedAt = matrix.map((r) => r.finishedAt).reduce((a, b) => (a > b ? a : b));
    return { id, kind: 'matrix', rows: matrix, finishedAt };
  }
  throw new Error(`no run or matrix '${id}' in the results store ${store.path} (see 'fsto runs')`);
}

/** The id to compare `side` against when none is given, or undefined when nothing came before. */
export async function defaultBaseline(store: ResultsStore, side: Side): Promise<string | undefined> {
  if (side.kind === 'run') {
    const config = side.rows[0]?.config ?? (await store.getRun(side.id))?.config;
    const earlier = (await store.lastRuns(200, config ? { config } : {})).filter(
      (r) => r.workflowId !== side.id && r.finishedAt < side.finishedAt,
    );
    return earlier[0]?.workflowId;
  }
  const earlier = (await store.lastRuns(2000)).filter(
    (r) => r.matrixId && r.matrixId !== side.id && r.finishedAt < side.finishedAt,
  );
  return earlier[0]?.matrixId;
}

export interface CompareStoredOptions {
  /** How many earlier results per config+test decide flakiness. */
  historyPerKey?: number;
}

export async function compareStored(
  store: ResultsStore,
  baseId: string,
  currentId: string,
  opts: CompareStoredOptions = {},
): Promise<{ comparison: Comparison; base: Side; current: Side }> {
  const [base, current] = [await loadSide(store, baseId), await loadSide(store, currentId)];
  const keys = new Map([...base.rows, ...current.rows].map((r) => [`${r.config}\t${r.test}`, r]));
  const exclude = [...new Set([...base.rows, ...current.rows].map((r) => r.workflowId))];
  const history = await store.historyOf([...keys.values()], {
    exclude,
    before: current.finishedAt,
    perKey: opts.historyPerKey ?? 20,
  });
  const comparison = compareRuns({
    baseId,
    currentId,
    base: base.rows,
    current: current.rows,
    history,
  });
  return { comparison, base, current };
}
