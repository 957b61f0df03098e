import { FAILING_VERDICTS, type ExpungeEntry, type TestResult } from '../../common/schemas';
import { compareReleases } from '../host/kernel';

// Known failures (pure). An expunge list names, per config, tests that are known to fail, why,
// and optionally on which kernels. Matching tests are reported as `expunged` with the reason,
// so they neither fail a run nor count as regressions; a known failure that passes stays `pass`
// (the comparison then shows it as a fix worth un-expunging).

export interface ExpungeMatch {
  test: string;
  reason: string;
}

/** `release` is `bound` itself or a more specific release of it: 6.1.0-26-amd64 is within 6.1. */
function within(release: string, bound: string): boolean {
  return release === bound || (release.startsWith(bound) && /^[.\-+~]/.test(release.slice(bound.length)));
}

export function inKernelRange(release: string, e: Pick<ExpungeEntry, 'kernelMin' | 'kernelMax'>): boolean {
  if (e.kernelMin && compareReleases(release, e.kernelMin) < 0 && !within(release, e.kernelMin)) return false;
  if (e.kernelMax && compareReleases(release, e.kernelMax) > 0 && !within(release, e.kernelMax)) return false;
  return true;
}

/**
 * Which of `entries` apply on kernel `release`, one match per test. With no known release only
 * entries without a kernel range apply: hiding a failure on a guess is worse than reporting it.
 */
export function matchExpunges(entries: readonly ExpungeEntry[], release: string | undefined): ExpungeMatch[] {
  const byTest = new Map<string, string>();
  for (const e of entries) {
    const ranged = e.kernelMin !== undefined || e.kernelMax !== undefined;
    const applies = ranged ? release !== undefined && inKernelRange(release, e) : true;
    if (!applies) continue;
    // Several entries for one test (a global one and a config one): keep every reason.
    const prev = byTest.get(e.test);
    byTest.set(e.test, prev && prev !== e.reason ? `${prev}; ${e.reason}` : e.reason);
  }
  return [...byTest].map(([test, reason]) => ({ test, reason }));
}

/**
 * Results with known failures marked: a failing expunged test becomes `expunged` (its original
 * verdict and reason kept in `reason`); an expunged test that was not run at all (excluded
 * with `check -E`) is added as `expunged` with no duration.
 */
export function applyExpunges(
  results: readonly TestResult[],
  matches: readonly ExpungeMatch[],
): TestResult[] {
  const known = new Map(matches.map((m) => [m.test, m.reason]));
  const seen = new Set<string>();
  const out = results.map((t): TestResult => {
    seen.add(t.name);
    const why = known.get(t.name);
    if (why === undefined || !FAILING_VERDICTS.has(t.verdict)) return t;
    const detail = t.crashSignature ?? t.reason;
    return {
      ...t,
      verdict: 'expunged',
      reason: `known failure (${t.verdict}${detail ? `: ${detail}` : ''}): ${why}`,
    };
  });
  for (const m of matches) {
    if (!seen.has(m.test))
      out.push({ name: m.test, verdict: 'expunged', durationSec: 0, reason: `known failure: ${m.reason}` });
  }
  return out;
}
