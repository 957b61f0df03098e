import type { ResultRow, TestResult } from '../../common/schemas';
import { renderJunit, type JunitOptions } from './junit';

// One JUnit document for a matrix (pure): each run (a config, on one kernel) becomes a
// <testsuite> of renderJunit's, all inside one <testsuites>, so CI shows one report per night.

export interface JunitSuite extends JunitOptions {
  results: readonly TestResult[];
}

/** The <testsuite> element of a renderJunit document. */
function suiteOf(doc: string): string {
  const start = doc.indexOf('<testsuite ');
  const end = doc.lastIndexOf('</testsuite>');
  if (start < 0 || end < 0) throw new Error('renderJunit produced no <testsuite>');
  return doc.slice(start, end + '</testsuite>'.length);
}

export function renderJunitAggregate(suites: readonly JunitSuite[]): string {
  return [
    '<?xml version="1.0" encoding="UTF-8"?>',
    '<testsuites>',
    ...suites.map(({ results, ...opts }) => suiteOf(renderJunit(results, opts))),
    '</testsuites>',
    '',
  ].join('\n');
}

/**
 * Suites from store rows: one per run, named `fstests.<config>`, with the kernel added when one
 * config ran on several kernels (suite names must stay unique for CI to tell them apart).
 */
export function suitesFromRows(rows: readonly ResultRow[]): JunitSuite[] {
  const byRun = new Map<string, ResultRow[]>();
  for (const r of rows) byRun.set(r.workflowId, [...(byRun.get(r.workflowId) ?? []), r]);
  const runsPerConfig = new Map<string, number>();
  for (const rs of byRun.values())
    runsPerConfig.set(rs[0]!.config, (runsPerConfig.get(rs[0]!.config) ?? 0) + 1);
  return [...byRun.values()].map((rs) => {
    const first = rs[0]!;
    const several = (runsPerConfig.get(first.config) ?? 0) > 1;
    const suiteName = `fstests.${first.config}${several ? `.${first.kernelRelease ?? first.workflowId}` : ''}`;
    return {
      suiteName,
      hostname: first.host,
      timestamp: first.finishedAt,
      results: rs.map((r) => ({
        name: r.test,
        verdict: r.verdict,
        durationSec: r.durationSec,
        ...(r.reason !== undefined ? { reason: r.reason } : {}),
        ...(r.crashSignature !== undefined ? { crashSignature: r.crashSignature } : {}),
        ...(r.flakyAttempts !== undefined ? { flakyAttempts: r.flakyAttempts } : {}),
      })),
    };
  });
}
