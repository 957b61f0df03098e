import { writeFile } from 'node:fs/promises';
import type { RunSummary } from '../../common/schemas';

/** `--junit FILE`: JUnit XML of a run's verdicts, for CI systems. */
export async function writeJunit(file: string, summary: RunSummary): Promise<void> {
  const { renderJunit } = await import('../../activities/results/junit');
  await writeFile(file, renderJunit(summary.tests, { suiteName: `fstests.${summary.workflowId}` }));
}

/** One run: its own document; several (one per config): a <testsuite> each in one <testsuites>. */
export async function writeJunitOf(file: string, summaries: readonly RunSummary[]): Promise<void> {
  if (summaries.length === 1) return writeJunit(file, summaries[0]!);
  const { renderJunitAggregate } = await import('../../activities/results/junit-aggregate');
  await writeFile(
    file,
    renderJunitAggregate(summaries.map((s) => ({ results: s.tests, suiteName: `fstests.${s.workflowId}` }))),
  );
}
