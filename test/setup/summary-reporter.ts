import { relative } from 'node:path';
import type { Reporter, TestModule } from 'vitest/node';

/** How many of the slowest test files the tail of the log names. */
const SLOWEST = 15;

/** A file's wall time as vitest measured it: environment, set-up, import, then its tests and hooks. */
export function fileSeconds(m: Pick<TestModule, 'diagnostic'>): number {
  const d = m.diagnostic();
  return (
    (d.environmentSetupDuration + d.prepareDuration + d.collectDuration + d.setupDuration + d.duration) / 1000
  );
}

/** `  123.4 s  test/e2e/x.test.ts` lines, slowest first, at most `n`. */
export function slowestLines(files: { path: string; seconds: number }[], n = SLOWEST): string[] {
  return [...files]
    .sort((a, b) => b.seconds - a.seconds || a.path.localeCompare(b.path))
    .slice(0, n)
    .map((f) => `${f.seconds.toFixed(1).padStart(8)} s  ${f.path}`);
}

/**
 * Ends the run with the slowest test files (where CI's time goes), then the plain
 * `N passed, N failed, N skipped` line CI reads: always the last line.
 */
export default class SummaryReporter implements Reporter {
  onTestRunEnd(modules: ReadonlyArray<TestModule>): void {
    const counts = { passed: 0, failed: 0, skipped: 0 };
    for (const m of modules) {
      for (const t of m.children.allTests()) {
        const state = t.result().state;
        if (state === 'passed') counts.passed++;
        else if (state === 'failed') counts.failed++;
        else counts.skipped++;
      }
      if (m.state() === 'failed' && [...m.children.allTests()].length === 0) counts.failed++;
    }
    const files = modules.map((m) => ({
      path: relative(process.cwd(), m.moduleId),
      seconds: fileSeconds(m),
    }));
    const lines = slowestLines(files);
    if (lines.length)
      console.log(`\nslowest test files (${lines.length} of ${files.length}):\n${lines.join('\n')}`);
    console.log(`\n${counts.passed} passed, ${counts.failed} failed, ${counts.skipped} skipped`);
  }
}
