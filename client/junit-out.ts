import { writeFile } from 'node:fs/promises';
import type { RunSummary } from '../common/schemas';
import { renderJunit } from '../activities/results/junit';

/** `--junit FILE`: JUnit XML of a run's verdicts, for CI systems. */
export async function writeJunit(file: string, summary: RunSummary): Promise<void> {
  await writeFile(file, renderJunit(summary.tests, { suiteName: `fstests.${summary.workflowId}` }));
}
