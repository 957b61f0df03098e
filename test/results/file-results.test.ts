import { mkdir, mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { MockActivityEnvironment } from '@temporalio/testing';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createResultsActivities } from '../../activities/results/activities';
import type { FileResultsOutput } from '../../activities/results/file-results';
import type { RunSummary } from '../../common/schemas';

// The results step of a run (fileRunResults) through the product's activity factory, on a
// results dir laid out as a cancelled batch leaves it: the workflow knows generic/001's verdict,
// the host journaled generic/002 after the last progress signal (the journal is written here by
// hand, one JSON verdict a line). What the step returns is only what it added; the store and the
// report are read back from disk. A store that cannot be written fails the step while retries
// remain, and on its last tries hands the verdicts back with the failure named.

let dir: string;
let resultsDir: string;
const summary = (): RunSummary => ({
  workflowId: 'wf-file',
  status: 'cancelled',
  resultsDir,
  hostId: 'host-a',
  kernelRelease: '6.1.0-test',
  tests: [{ name: 'generic/001', verdict: 'pass', durationSec: 3 }],
});
const input = () => ({
  runKey: 'wf-file',
  resultsDir,
  summary: summary(),
  meta: { fsConfig: 'xfs', host: 'host-a' },
  journaled: ['generic/002'],
});
const inActivity = (attempt: number, fn: () => Promise<FileResultsOutput>): Promise<FileResultsOutput> =>
  new MockActivityEnvironment({ attempt }).run(fn);

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'fsto-file-results-'));
  resultsDir = join(dir, 'run', 'results');
  await mkdir(resultsDir, { recursive: true });
  const line = (o: object) => `${JSON.stringify(o)}\n`;
  await writeFile(
    join(resultsDir, 'main-1.results.jsonl'),
    line({ name: 'generic/001', verdict: 'pass', durationSec: 3 }) +
      line({ name: 'generic/002', verdict: 'fail', durationSec: 9, reason: 'output mismatch' }),
  );
});
afterEach(async () => rm(dir, { recursive: true, force: true }));

describe('the results step in one activity', () => {
  it('returns only the journaled verdict; the store holds both; junit and report are written', async () => {
    const store = join(dir, 'results.sqlite');
    const acts = createResultsActivities({ storePath: store });
    const out = await inActivity(1, () => acts.fileRunResults(input()));
    expect(out.changed).toEqual([
      { name: 'generic/002', verdict: 'fail', durationSec: 9, reason: 'output mismatch' },
    ]);
    expect(out.filingError).toBeUndefined();
    expect(out.report).toBe(join(dir, 'run', 'report.html'));
    const report = await readFile(out.report ?? '', 'utf8');
    expect(report).toContain('generic/002');
    expect(await readFile(join(dir, 'run', 'junit.xml'), 'utf8')).toMatch(
      /<testcase[^>]*name="generic\/002"[\s\S]*<failure/,
    );
    expect((await stat(store)).size).toBeGreaterThan(0);
  });

  it('a store that cannot be written: retried first, then the verdicts come back with the error', async () => {
    await writeFile(join(dir, 'not-a-dir'), 'x');
    const acts = createResultsActivities({ storePath: join(dir, 'not-a-dir', 'results.sqlite') });
    await expect(inActivity(1, () => acts.fileRunResults(input()))).rejects.toThrow();
    const out = await inActivity(3, () => acts.fileRunResults(input()));
    expect(out.changed.map((t) => [t.name, t.verdict])).toEqual([['generic/002', 'fail']]);
    expect(out.filingError).toMatch(/not-a-dir/);
    expect(out.report).toBeUndefined();
    // What collecting writes does not depend on the store.
    expect(await readFile(join(dir, 'run', 'junit.xml'), 'utf8')).toContain('generic/002');
  });
});
