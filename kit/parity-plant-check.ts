import type { VerdictRow } from './parity-compare';
import { plantedNames } from './parity-plant-tests';

// What bench/parity.ts --plant expects of the planted tests beyond equal verdicts (equal would
// also hold if both sides skipped them): each passes on both sides, fsto names the hung task of
// generic/990–994 as its signature and none for the plain test, and fsto's progress counts only
// the tests asked for (never more done than asked, no pseudo-test).

const HUNG_SIGNATURE = /^INFO: task \S+ blocked for more than N seconds\.$/;

/** Pure: what is wrong with the planted tests' results, one line each (empty: as expected). */
export function plantedProblems(rows: VerdictRow[], progress: string[], asked: number): string[] {
  const problems: string[] = [];
  const names = plantedNames();
  for (const [i, name] of names.entries()) {
    const row = rows.find((r) => r.test === name);
    for (const side of ['hand', 'fsto'] as const) {
      const verdict = row?.[side]?.verdict ?? 'missing';
      if (verdict !== 'pass') problems.push(`${name}: ${side} ${verdict}, expected pass`);
    }
    const sig = row?.fsto?.crashSignature;
    const hung = i < names.length - 1;
    if (hung && !HUNG_SIGNATURE.test(sig ?? ''))
      problems.push(`${name}: fsto signature ${sig ?? 'none'}, expected a hung task`);
    if (!hung && sig) problems.push(`${name}: fsto signature ${sig}, expected none`);
  }
  for (const line of progress) {
    const [, done, total] = /\] (\d+)\/(\d+) done/.exec(line) ?? [];
    // 0/0: before the listing (nothing counted yet).
    if (Number(total) !== 0 && (Number(total) !== asked || Number(done) > asked))
      problems.push(`fsto progress "${line}": expected at most ${asked}/${asked}`);
  }
  return problems;
}
