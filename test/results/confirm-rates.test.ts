import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { failureRates } from '../../activities/results/confirm-rates';
import { openResultsStore } from '../../activities/results/store';
import type { RunSummary, TestResult, Verdict } from '../../common/schemas';

// The failure rates a confirmation's N comes from, out of a real SQLite results store: every
// config counts, the night's own runs do not, a pass that needed a retry counts as a failure.

const dirs: string[] = [];
afterAll(async () => {
  for (const d of dirs) await rm(d, { recursive: true, force: true });
});

const summary = (id: string, v: Record<string, Verdict>, extra: Partial<TestResult> = {}): RunSummary => ({
  workflowId: id,
  status: 'passed',
  resultsDir: `/var/lib/fsto/runs/${id}/results`,
  hostId: 'host-a',
  kernelRelease: '6.1.0-26-amd64',
  tests: Object.entries(v).map(([name, verdict]) => ({ name, verdict, durationSec: 1, ...extra })),
});

describe('failureRates', () => {
  it('counts every config, leaves the night out, counts a retried pass as a failure', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'fsto-rates-'));
    dirs.push(dir);
    const store = openResultsStore(join(dir, 'results.sqlite'));
    const rec = (id: string, cfg: string, matrixId: string, v: Record<string, Verdict>, extra = {}) =>
      store.recordRun(summary(id, v, extra), { fsConfig: cfg, host: 'host-a', matrixId });
    await rec('n1-xfs', 'xfs', 'n1', { 'g/001': 'pass', 'g/002': 'fail', 'g/003': 'notrun' });
    await rec('n1-ext4', 'ext4', 'n1', { 'g/001': 'pass', 'g/002': 'pass' });
    await rec('n2-xfs', 'xfs', 'n2', { 'g/001': 'pass' }, { flakyAttempts: 2 });
    await rec('n2-ext4', 'ext4', 'n2', { 'g/002': 'pass' });
    // Tonight: everything fails; it must not count.
    await rec('n3-xfs', 'xfs', 'n3', { 'g/001': 'fail', 'g/002': 'fail', 'g/003': 'fail' });
    expect(
      await failureRates(store, { tests: ['g/001', 'g/002', 'g/003', 'g/009'], excludeMatrix: 'n3' }),
    ).toEqual({
      'g/001': { rate: 1 / 3, runs: 3 },
      'g/002': { rate: 1 / 3, runs: 3 },
      'g/003': { rate: 0, runs: 0 },
      'g/009': { rate: 0, runs: 0 },
    });
  });
});
