import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createResultsActivities } from '../../activities/results/activities';
import { run } from '../../activities/process';
import type { RunSummary, Verdict } from '../../common/schemas';

// fsto runs/history/compare/report as a separate process over a store filled by the
// recordRunResults activity (the step a run ends with on its host).

let dir: string;
let db: string;
const tsx = join(process.cwd(), 'node_modules/.bin/tsx');
const cli = join(import.meta.dirname, 'fsto-results.ts');
const fsto = (...args: string[]) => run([tsx, cli, ...args, '--store', db], { env: { FSTO_STATE_DIR: dir } });

const summary = (id: string, v: Record<string, Verdict>): RunSummary => ({
  workflowId: id,
  status: Object.values(v).includes('fail') ? 'failed' : 'passed',
  resultsDir: join(dir, 'runs', id, 'results'),
  hostId: 'host-a',
  kernelRelease: id === 'mon' ? '6.12.0' : '6.11.0',
  tests: Object.entries(v).map(([name, verdict]) => ({ name, verdict, durationSec: 7 })),
});

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'fsto-cli-results-'));
  db = join(dir, 'results.sqlite');
  const acts = createResultsActivities({ storePath: db });
  const first = await acts.recordRunResults({
    summary: summary('sun', { 'generic/001': 'pass', 'generic/002': 'pass' }),
    meta: { fsConfig: 'xfs', host: 'host-a', finishedAt: '2025-01-05T02:00:00.000Z' },
  });
  expect(first.comparison).toBeUndefined();
  await mkdir(join(dir, 'runs', 'mon', 'artifacts', 'generic', '002'), { recursive: true });
  await writeFile(join(dir, 'runs', 'mon', 'artifacts', 'generic', '002', 'out.bad'), '+oops\n');
  const second = await acts.recordRunResults({
    summary: summary('mon', { 'generic/001': 'pass', 'generic/002': 'fail' }),
    meta: { fsConfig: 'xfs', host: 'host-a', finishedAt: '2025-01-06T02:00:00.000Z' },
  });
  expect(second.baseline).toBe('sun');
  expect(second.comparison?.regressions.map((t) => t.test)).toEqual(['generic/002']);
  expect(second.reportPath).toBe(join(dir, 'runs', 'mon', 'report.html'));
  expect(await readFile(second.reportPath, 'utf8')).toContain('href="artifacts/generic/002/out.bad"');
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('fsto results commands', () => {
  it('compare: exactly one regression, exit 1; JSON for scripts', async () => {
    const res = await fsto('compare', 'sun', 'mon');
    expect(res.stdout).toContain('mon against sun: REGRESSED');
    expect(res.stdout).toMatch(/REGRESSIONS \(1\):\n {2}generic\/002 +xfs +pass -> fail/);
    expect(res.exitCode).toBe(1);
    const json = await fsto('compare', 'sun', 'mon', '--json');
    expect((JSON.parse(json.stdout) as { regressions: unknown[] }).regressions).toHaveLength(1);
    const back = await fsto('compare', 'mon', 'sun');
    expect([back.exitCode, back.stdout.split('\n')[0]]).toEqual([0, 'sun against mon: IMPROVED']);
  });

  it('history and runs', async () => {
    const h = await fsto('history', 'generic/002');
    expect(h.stdout).toMatch(/2025-01-06 02:00 {2}fail .*mon\n2025-01-05 02:00 {2}pass .*sun\n/);
    expect(h.stdout).toContain('generic/002: failed in 1 of 2 runs that ran it');
    const r = await fsto('runs', '--last', '1', '--json');
    expect((JSON.parse(r.stdout) as { workflowId: string }[]).map((x) => x.workflowId)).toEqual(['mon']);
  });

  it('report: default baseline, HTML and JUnit written; unknown ids named', async () => {
    const out = join(dir, 'out', 'r.html');
    const res = await fsto('report', 'mon', '--out', out, '--junit', join(dir, 'out', 'j.xml'));
    expect(res.exitCode).toBe(0);
    expect(res.stdout).toContain(`report: file://${out}`);
    const html = await readFile(out, 'utf8');
    expect(html).toContain('href="../runs/mon/artifacts/generic/002/out.bad"');
    expect(html).toContain('data-outcome="regressed"');
    expect(await readFile(join(dir, 'out', 'j.xml'), 'utf8')).toContain('<testsuite name="fstests.xfs"');
    const bad = await fsto('compare', 'sun', 'nope');
    expect(bad.exitCode).toBe(3);
    expect(bad.stderr).toContain("no run or matrix 'nope'");
  });
});
