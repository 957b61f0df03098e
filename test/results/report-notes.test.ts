import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { writeReport } from '../../activities/results/report-files';
import { openResultsStore } from '../../activities/results/store';
import type { NightNotes, RunSummary, Verdict } from '../../common/schemas';

// A matrix's report written again after its confirmations (the matrix's night-notes step), out
// of a real SQLite results store: the notes beside each regression, over the comparison the first
// write saved (the one the night was confirmed against), not a new one.

const dirs: string[] = [];
afterAll(async () => {
  for (const d of dirs) await rm(d, { recursive: true, force: true });
});

const summary = (id: string, v: Record<string, Verdict>): RunSummary => ({
  workflowId: id,
  status: 'failed',
  resultsDir: `/var/lib/fsto/runs/${id}/results`,
  hostId: 'host-a',
  kernelRelease: '6.1.0-26-amd64',
  tests: Object.entries(v).map(([name, verdict]) => ({ name, verdict, durationSec: 1 })),
});

const notes: NightNotes = {
  confirmations: [
    {
      ...{ config: 'xfs', kernel: 'k', test: 'g/001', rate: 0, failed: 5, runs: 5 },
      ...{ verdict: 'confirmed', text: 'regression (confirmed 5/5)', workflowIds: [] },
    },
  ],
  bisections: [
    {
      config: 'xfs',
      kernel: 'k',
      tests: ['g/001'],
      good: 'a'.repeat(40),
      bad: 'b'.repeat(40),
      workflowId: 'n2.bisect.xfs.k0',
    },
  ],
};

describe('a matrix report with the night notes', () => {
  it('says the confirmation and bisection per regression, over the saved comparison', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'fsto-report-notes-'));
    dirs.push(dir);
    const store = openResultsStore(join(dir, 'results.sqlite'));
    const rec = (id: string, matrixId: string, v: Record<string, Verdict>) =>
      store.recordRun(summary(id, v), { fsConfig: 'xfs', host: 'host-a', matrixId });
    await rec('n1-xfs', 'n1', { 'g/001': 'pass', 'g/002': 'pass' });
    await rec('n2-xfs', 'n2', { 'g/001': 'fail', 'g/002': 'pass' });
    const out = join(dir, 'reports', 'n2.html');
    const first = await writeReport(store, 'n2', { baseline: 'n1', out });
    expect(first.comparison?.regressions.map((t) => t.test)).toEqual(['g/001']);
    expect(await readFile(out, 'utf8')).not.toContain('class="note"');

    // The night's store moves on after the report (a late shard's rows): the notes still go with
    // the comparison the confirmations were made for.
    await rec('n2-xfs-late', 'n2', { 'g/002': 'fail' });
    const again = await writeReport(store, 'n2', { baseline: 'n1', out, notes, reuseComparison: true });
    expect(again.comparison).toEqual(first.comparison);
    const html = await readFile(out, 'utf8');
    expect(html).toContain(
      '<span class="note">regression (confirmed 5/5), bisection n2.bisect.xfs.k0 (aaaaaaaaaaaa..bbbbbbbbbbbb)</span>',
    );
    expect(html).toContain('<h3>Bisections (1)</h3>');
    // Without reuse it is compared anew (what the first write of a night always does).
    const anew = await writeReport(store, 'n2', { baseline: 'n1', out: join(dir, 'anew.html') });
    expect(anew.comparison?.regressions.map((t) => t.test)).toEqual(['g/001', 'g/002']);
  });
});
