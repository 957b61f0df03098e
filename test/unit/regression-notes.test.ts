import { describe, expect, it } from 'vitest';
import { nightMail, nightMessage } from '../../activities/results/notify-message';
import { renderReportHtml } from '../../activities/results/report-html';
import { matrixSummaryText } from '../../client/matrix/matrix-watch';
import { regressionNote } from '../../common/regression-notes';
import type { Comparison, Confirmation, MatrixSummary } from '../../common/schemas';

// One wording of a night's confirmations and bisections (common/regression-notes.ts), and the
// three places that show it per regressed test: the HTML report, the notification (JSON and
// mail) and the CLI's matrix summary. The oracle: the literal text a reader of each would see.

const M = 'fsto-matrix-nightly-xfs-2026-12-03T03:00:00Z';
const K = '/src/linux@master=bbbbbbbbbbbb';
const conf = (
  test: string,
  failed: number,
  runs: number,
  verdict: Confirmation['verdict'],
  text: string,
) => ({
  config: 'xfs',
  kernel: K,
  test,
  rate: 0,
  failed,
  runs,
  verdict,
  text,
  workflowIds: [],
});
const reg = (test: string) => ({ config: 'xfs', test, base: 'pass' as const, current: 'fail' as const });
const comparison: Comparison = {
  ...{ base: 'night-1', current: M, outcome: 'regressed' },
  regressions: [reg('generic/001'), reg('generic/002'), reg('generic/003')],
  ...{ fixes: [], stillFailing: [], newlyNotRun: [], flaky: [], added: [], unchanged: 3 },
};
const bisectId = `${M}.bisect.xfs.k0`;
const summary: MatrixSummary = {
  workflowId: M,
  status: 'failed',
  runs: [],
  comparison,
  report: '/r/night.html',
  confirmations: [
    conf('generic/001', 5, 5, 'confirmed', 'regression (confirmed 5/5)'),
    conf('generic/002', 2, 5, 'flaky', 'flaky (2/5)'),
  ],
  bisections: [
    {
      config: 'xfs',
      kernel: K,
      tests: ['generic/001'],
      good: 'a'.repeat(40),
      bad: 'b'.repeat(40),
      workflowId: bisectId,
    },
  ],
};
const CONFIRMED = `regression (confirmed 5/5), bisection ${bisectId} (aaaaaaaaaaaa..bbbbbbbbbbbb)`;

describe('regression notes', () => {
  it('say the confirmation and the bisection of a regressed test; nothing for one not confirmed', () => {
    expect(regressionNote(summary, reg('generic/001'))).toBe(CONFIRMED);
    expect(regressionNote(summary, reg('generic/002'))).toBe('flaky (2/5)');
    expect(regressionNote(summary, reg('generic/003'))).toBeUndefined();
    expect(regressionNote(summary, { config: 'ext4', test: 'generic/001' })).toBeUndefined();
  });

  it('name the kernel when a test was confirmed on several, and say why none was bisected', () => {
    const other = { ...conf('generic/001', 0, 5, 'not-reproduced', 'not reproduced (0/5)'), kernel: 'K2' };
    const notes = {
      confirmations: [summary.confirmations![0]!, other],
      bisections: [
        {
          ...summary.bisections![0]!,
          workflowId: undefined,
          reason: "the previous night's commit is unknown",
        },
      ],
    };
    expect(regressionNote(notes, reg('generic/001'))).toBe(
      `${K}: regression (confirmed 5/5), not bisected: the previous night's commit is unknown; K2: not reproduced (0/5)`,
    );
  });

  it('the HTML report shows them beside each regression, and the bisection', () => {
    const html = renderReportHtml({ title: 't', rows: [], comparison, notes: summary });
    const li = (t: string) => html.split('<li>').find((item) => item.includes(`>${t}</a>`)) ?? '';
    expect(li('generic/001')).toContain(`<span class="note">${CONFIRMED}</span>`);
    expect(li('generic/002')).toContain('<span class="note">flaky (2/5)</span>');
    expect(li('generic/003')).not.toContain('class="note"');
    expect(html).toContain(`<h3>Bisections (1)</h3><ul><li>xfs × ${K} generic/001: bisection ${bisectId}`);
    // Without notes (a run's report, an old matrix): no note at all.
    expect(renderReportHtml({ title: 't', rows: [], comparison })).not.toContain('class="note"');
  });

  it('the notification: a note per regression in the JSON, the same line in the mail', () => {
    const m = nightMessage({ summary });
    expect(m.regressions.map((t) => [t.test, t.note])).toEqual([
      ['generic/001', CONFIRMED],
      ['generic/002', 'flaky (2/5)'],
      ['generic/003', undefined],
    ]);
    expect(m.bisections).toEqual(summary.bisections);
    const mail = nightMail(m, ['team@example.org']);
    expect(mail).toContain(`  xfs generic/001 (pass → fail): ${CONFIRMED}\n`);
    expect(mail).toContain('  xfs generic/002 (pass → fail): flaky (2/5)\n');
    expect(mail).toContain('  xfs generic/003 (pass → fail)\n');
    expect(mail).toContain(`bisections:\n  xfs × ${K} generic/001: bisection ${bisectId}`);
  });

  it("the CLI's matrix summary", () => {
    const text = matrixSummaryText(summary);
    expect(text).toContain(`  regression xfs generic/001: pass → fail: ${CONFIRMED}\n`);
    expect(text).toContain('  regression xfs generic/002: pass → fail: flaky (2/5)\n');
    expect(text).toContain('  regression xfs generic/003: pass → fail\n');
    expect(text).toContain(`bisections:\n  xfs × ${K} generic/001: bisection ${bisectId}`);
  });
});
