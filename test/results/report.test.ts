import { mkdir, mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { compareRuns } from '../../activities/results/compare';
import { renderJunitAggregate, suitesFromRows } from '../../activities/results/junit-aggregate';
import { esc, formatDuration, href, renderReportHtml } from '../../activities/results/report-html';
import type { ResultRow, Verdict } from '../../common/schemas';
import { chromium } from './chromium';

// The report rendered by a real headless Chromium: a screenshot (kept in test-artifacts/ to
// look at) and the DOM after parsing, where the regression must be marked.

const ARTIFACTS = join(process.cwd(), 'test-artifacts', 'results');
let dir: string;

const row = (
  workflowId: string,
  config: string,
  test: string,
  verdict: Verdict,
  extra: Partial<ResultRow> = {},
): ResultRow => ({
  workflowId,
  config,
  test,
  verdict,
  durationSec: 12,
  finishedAt: '2025-01-03T02:00:00.000Z',
  kernelRelease: workflowId.startsWith('base') ? '6.1.0-26-amd64' : '6.12.0-rc3',
  host: 'host-a',
  ...extra,
});
const tests: [string, Verdict, Verdict][] = [
  ['generic/001', 'pass', 'pass'],
  ['generic/002', 'pass', 'fail'],
  ['generic/003', 'fail', 'fail'],
  ['generic/004', 'crashed', 'pass'],
  ['generic/005', 'pass', 'notrun'],
  ['generic/010', 'pass', 'hung'],
  ['xfs/100', 'pass', 'expunged'],
];
const base = tests.map(([t, b]) => row('base-xfs', 'xfs', t, b));
const current = [
  ...tests.map(([t, , c]) =>
    row(
      'cur-xfs',
      'xfs',
      t,
      c,
      c === 'fail'
        ? { reason: '- output mismatch (see generic/002.out.bad) <b>&' }
        : c === 'hung'
          ? { reason: 'no progress for 600s' }
          : {},
    ),
  ),
  ...tests.slice(0, 5).map(([t]) => row('cur-ext4', 'ext4', t, 'pass', { durationSec: 75 })),
  row('cur-ext4', 'ext4', 'generic/010', 'crashed', {
    crashSignature: 'BUG: <script>alert(1)</script> at ext4_writepages+0x1c',
  }),
];
const baseExt4 = current
  .filter((r) => r.config === 'ext4')
  .map((r) => ({ ...r, workflowId: 'base-ext4', verdict: 'pass' as const }));
// generic/010 on xfs has a flaky history; on ext4 the crash is new.
const history = [row('h1', 'xfs', 'generic/010', 'hung'), row('h2', 'xfs', 'generic/010', 'pass')];

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'fsto-report-'));
  await mkdir(ARTIFACTS, { recursive: true });
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('report columns', () => {
  it('merges the shards of one config × kernel into one column, each cell linking its own shard', () => {
    const html = renderReportHtml({
      title: 'sharded',
      rows: [
        row('m.xfs.k0.s0', 'xfs', 'generic/001', 'pass'),
        row('m.xfs.k0.s1', 'xfs', 'generic/002', 'fail'),
        row('m.ext4.k0.s0', 'ext4', 'generic/001', 'pass'),
      ],
      runHrefs: { 'm.xfs.k0.s1': 'runs/s1' },
      artifacts: { 'm.xfs.k0.s1': { 'generic/002': ['out.bad'] } },
    });
    expect(html.match(/class="cfgname"/g)).toHaveLength(2); // xfs and ext4, not one per shard
    expect(html).toContain('2 shards');
    expect(html).toContain('href="runs/s1/artifacts/generic/002/out.bad"');
  });
});

describe('HTML report', () => {
  const comparison = compareRuns({
    baseId: 'night-2',
    currentId: 'night-3',
    base: [...base, ...baseExt4],
    current,
    history,
  });

  it('the comparison behind it: one regression per broken key, flaky kept apart', () => {
    expect(comparison.regressions.map((t) => `${t.config}:${t.test}`)).toEqual([
      'ext4:generic/010',
      'xfs:generic/002',
    ]);
    expect(comparison.flaky.map((t) => `${t.config}:${t.test}`)).toEqual(['xfs:generic/010']);
    expect(comparison.fixes.map((t) => t.test)).toEqual(['generic/004']);
  });

  it('escapes everything and links artifacts relative to the run dir', () => {
    const html = renderReportHtml({
      title: 'nightly <3>',
      rows: current,
      comparison,
      runHrefs: { 'cur-xfs': 'runs/cur xfs' },
      artifacts: { 'cur-xfs': { 'generic/002': ['out.bad', 'full'] } },
    });
    expect(html).not.toContain('<script>');
    expect(html).toContain('BUG: &lt;script&gt;alert(1)&lt;/script&gt;');
    expect(html).toContain('<title>nightly &lt;3&gt;</title>');
    expect(html).toContain('href="runs/cur%20xfs/artifacts/generic/002/out.bad"');
    expect(html).toContain('href="runs/cur%20xfs/junit.xml"');
    expect(href('javascript:alert(1)', 'x')).toBe('javascript%3Aalert(1)/x');
    expect(esc(`"'&`)).toBe('&quot;&#39;&amp;');
    expect([formatDuration(5), formatDuration(65), formatDuration(3725)]).toEqual(['5s', '1m05s', '1h02m']);
  });

  it('renders in headless Chromium: a real screenshot, the regression row marked in the DOM', async () => {
    // Run dirs as fstests-orchestrator lays them out: <runDir>/artifacts/<test>/<kind>, <runDir>/junit.xml.
    const runDir = join(dir, 'runs', 'cur-xfs');
    await mkdir(join(runDir, 'artifacts', 'generic', '002'), { recursive: true });
    await writeFile(
      join(runDir, 'artifacts', 'generic', '002', 'out.bad'),
      'QA output created by 002\n-ok\n+not ok\n',
    );
    await writeFile(join(runDir, 'junit.xml'), renderJunitAggregate(suitesFromRows(current)));
    const file = join(dir, 'report.html');
    await writeFile(
      file,
      renderReportHtml({
        title: 'fstests nightly night-3 vs night-2',
        rows: current,
        comparison,
        generatedAt: '2025-01-03 03:00 UTC',
        runHrefs: { 'cur-xfs': 'runs/cur-xfs' },
        artifacts: { 'cur-xfs': { 'generic/002': ['out.bad'] } },
      }),
    );
    const png = join(ARTIFACTS, 'report.png');
    await rm(png, { force: true });
    await chromium({ file, screenshot: png });
    const st = await stat(png);
    const head = (await readFile(png)).subarray(0, 8);
    expect(head.toString('hex')).toBe('89504e470d0a1a0a');
    expect(st.size).toBeGreaterThan(20_000); // a blank 1280×900 page is ~5 KB

    const dom = await chromium({ file, dumpDom: true });
    await writeFile(join(ARTIFACTS, 'report.dom.html'), dom);
    const tr = /<tr id="t-generic\/002" data-test="generic\/002" class="regression">([\s\S]*?)<\/tr>/.exec(
      dom,
    );
    expect(tr?.[1]).toMatch(/class="v-fail d-regression"[\s\S]*REGRESSION \(was pass\)/);
    expect(dom.match(/class="regression"/g)).toHaveLength(2);
    expect(dom).toContain('data-outcome="regressed"');
    expect(dom).not.toContain('<script>alert');
  });

  it('aggregated JUnit: one testsuite per run, kernels told apart when a config repeats', () => {
    const xml = renderJunitAggregate(
      suitesFromRows([...current, ...base.map((r) => ({ ...r, config: 'xfs' }))]),
    );
    expect(xml.match(/<testsuite /g)).toHaveLength(3);
    expect(xml).toContain('name="fstests.ext4"');
    expect(xml).toContain('name="fstests.xfs.6.12.0-rc3"');
    expect(xml).toContain('name="fstests.xfs.6.1.0-26-amd64"');
    expect(xml.match(/<testsuites>/g)).toHaveLength(1);
    expect(xml).toContain('<error type="crashed" message="BUG: &lt;script&gt;');
  });
});
