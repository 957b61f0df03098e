import { writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { Beneath } from '../beneath';
import { fitReasons, type ExpungeEntry, type TestResult } from '../../common/schemas';
import { applyExpunges, matchExpunges } from './expunge';
import { collectArtifacts } from './artifacts';
import { renderJunit } from './junit';
import { journaledVerdicts } from '../verdicts/journaled';

export interface FinishInput {
  runKey: string;
  resultsDir: string;
  tests: TestResult[];
  /** Known failures, matched against the kernel release the guest reported. */
  expunge?: ExpungeEntry[];
  kernelRelease?: string;
  /**
   * Tests without a verdict in `tests` whose journaled verdicts count (a cancelled or failed run);
   * `all`: every journaled test without one (a matrix shard: it never had the listing).
   */
  journaled?: string[] | 'all';
}

/** Report dirs of every batch: <resultsDir>/<batch>[/<section>] (real directories, never links). */
async function batchDirs(share: Beneath, dir: string): Promise<string[]> {
  const entries = await share.readdir(dir).catch(() => []);
  return entries.filter((e) => e.isDirectory()).map((e) => join(dir, e.name));
}

/**
 * After the last batch: JUnit XML for CI and the per-test artifacts (capped copies of .out.bad,
 * .full, .dmesg, .notrun and console excerpts) under <runDir>/artifacts/<test>/.
 */
export async function finishRun(
  input: FinishInput,
): Promise<{ junit: string; artifacts: number; tests: TestResult[] }> {
  const runDir = dirname(input.resultsDir);
  // The results dir is the guests' share: read through it (no link followed); copies go to the run dir.
  const share = new Beneath(input.resultsDir);
  input = {
    ...input,
    tests: [
      ...input.tests,
      ...(await journaledVerdicts(input.resultsDir, input.journaled ?? [], input.tests)),
    ],
  };
  const tests = withExpunges(input);
  const names = input.tests.map((t) => t.name);
  let artifacts = 0;
  const destDir = join(runDir, 'artifacts');
  // Console excerpts of crashed/hung tests: <batch>/<dir>-<num>.console.log, written by the batch.
  const byFile = new Map(names.map((t) => [`${t.replace('/', '-')}.console.log`, t]));
  const consoleLogs: Record<string, string> = {};
  for (const dir of await batchDirs(share, input.resultsDir)) {
    for (const f of await share.readdir(dir).catch(() => [])) {
      const test = byFile.get(f.name);
      const text = test && (await share.readText(join(dir, f.name)).catch(() => undefined));
      if (test && text !== undefined) consoleLogs[test] = text;
    }
    // A sectioned config puts the report one level down: look there too.
    for (const reportDir of [dir, ...(await batchDirs(share, dir))]) {
      artifacts += (await collectArtifacts({ reportDir, share, destDir, tests: names })).length;
    }
  }
  artifacts += (await collectArtifacts({ destDir, tests: Object.keys(consoleLogs), consoleLogs })).length;
  const junit = join(runDir, 'junit.xml');
  await writeFile(junit, renderJunit(tests, { suiteName: `fstests.${input.runKey}`, excerpts: consoleLogs }));
  // The JUnit file has every reason whole; what goes back to the workflow is bounded.
  return { junit, artifacts, tests: fitReasons(tests) };
}

/** Failing tests that are known failures for this kernel become expunged (with the reason). */
function withExpunges(input: FinishInput): TestResult[] {
  const ran = new Set(input.tests.map((t) => t.name));
  const matches = matchExpunges(input.expunge ?? [], input.kernelRelease).filter((m) => ran.has(m.test));
  return matches.length ? applyExpunges(input.tests, matches) : input.tests;
}
