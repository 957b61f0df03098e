// Which matrices are "the same nightly": a matrix id is its series plus when it started, either
// `fsto matrix`'s readable stamp (fsto-matrix-nightly-20261121-223015-3fa2) or the time a
// Schedule's server appends (fsto-matrix-nightly-2026-12-03T07:08:07Z; also with the colons made
// safe). `baseline: previous` compares a night with the previous night of its series only.
// Pure (the matrix workflow names its night with it too).

const STAMP = /-(?:\d{8}-\d{6}-[0-9a-f]{4}|\d{4}-\d\d-\d\dT\d\d[:._-]?\d\d[:._-]?\d\d(?:\.\d+)?Z?)$/;
const NIGHT = /-(\d{4}-\d\d-\d\d)T(\d\d)[:._-]?(\d\d)[:._-]?(\d\d)(?:\.\d+)?Z?$/;

/** The series of a matrix id, or undefined when the id carries no start time (a chosen id). */
export function matrixSeriesOf(matrixId: string): string | undefined {
  const m = STAMP.exec(matrixId);
  return m ? matrixId.slice(0, m.index) : undefined;
}

/** The night a scheduled matrix id names (its action time, ISO), when it carries one. */
export function nightOf(matrixId: string): string | undefined {
  const m = NIGHT.exec(matrixId);
  return m ? `${m[1]}T${m[2]}:${m[3]}:${m[4]}Z` : undefined;
}

/**
 * A scheduled night's name for people: the schedule's name and the date it fired (UTC), e.g.
 * `nightly-xfs 2026-12-03` for fsto-matrix-nightly-xfs-2026-12-03T03:00:00Z. Undefined for a
 * matrix that is no scheduled night (a chosen id, `fsto matrix`'s own stamp).
 */
export function nightName(matrixId: string): string | undefined {
  const m = NIGHT.exec(matrixId);
  if (!m) return undefined;
  return `${matrixId.slice(0, m.index).replace(/^fsto-matrix-/, '')} ${m[1]}`;
}
