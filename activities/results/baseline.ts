import { FAILING_VERDICTS, type Comparison, type ResultRow } from '../../common/schemas';
import { compareRuns, keyOf } from './compare';
import { matrixSeriesOf } from '../../common/night';
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

/**
 * The id to compare `side` against when none is given, or undefined when nothing came before:
 * a run's previous run of its config; a matrix's previous night of its series (same schedule or
 * name, common/night.ts) — of any matrix only when the id names no series (a chosen id).
 */
export async function defaultBaseline(store: ResultsStore, side: Side): Promise<string | undefined> {
  if (side.kind === 'run') {
    const config = side.rows[0]?.config ?? (await store.getRun(side.id))?.config;
    return store.previousRun({ ...(config ? { config } : {}), before: side.finishedAt, exclude: side.id });
  }
  const series = matrixSeriesOf(side.id);
  const earlier = await store.previousMatrices({
    prefix: series ?? '',
    before: side.finishedAt,
    exclude: side.id,
  });
  return series === undefined ? earlier[0] : earlier.find((m) => matrixSeriesOf(m) === series);
}

export interface CompareStoredOptions {
  /** How many earlier results per config+test decide flakiness. */
  historyPerKey?: number;
  /** A side already loaded (the report's current side), not read again. */
  loaded?: Side;
}

/** Whether a row failed once: a failing verdict or a pass that needed retries (store-sql's BAD_ROW). */
const failedOnce = (r: ResultRow) => FAILING_VERDICTS.has(r.verdict) || (r.flakyAttempts ?? 0) > 1;

export async function compareStored(
  store: ResultsStore,
  baseId: string,
  currentId: string,
  opts: CompareStoredOptions = {},
): Promise<{ comparison: Comparison; base: Side; current: Side }> {
  const load = (id: string) => (opts.loaded?.id === id ? opts.loaded : loadSide(store, id));
  const [base, current] = [await load(baseId), await load(currentId)];
  const both = [...base.rows, ...current.rows];
  const exclude = [...new Set(both.map((r) => r.workflowId))];
  // History matters only for keys that failed once, on either side or in the past (compare.ts):
  // the store finds the past ones by its index of such rows, then reads those keys' history only.
  const past = await store.failedKeys({
    configs: [...new Set(both.map((r) => r.config))],
    exclude,
    before: current.finishedAt,
  });
  const keys = new Map<string, { config: string; test: string }>();
  for (const k of [...past, ...both.filter(failedOnce)])
    keys.set(keyOf(k), { config: k.config, test: k.test });
  const history = keys.size
    ? await store.historyOf([...keys.values()], {
        exclude,
        before: current.finishedAt,
        perKey: opts.historyPerKey ?? 20,
      })
    : [];
  const comparison = compareRuns({ baseId, currentId, base: base.rows, current: current.rows, history });
  return { comparison, base, current };
}
