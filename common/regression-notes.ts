import type { AutoBisection, Confirmation, NightNotes } from './schemas';

// What the morning says about each regressed test beyond "pass → fail": its confirmation
// ("regression (confirmed 5/5)", "flaky (2/5)", "not reproduced (0/7)") and the bisection the
// night started for it (its workflow id), or why none was. One wording for the HTML report
// (activities/results/report-html.ts), the notification (notify-message.ts) and the CLI's
// matrix summary (client/matrix/matrix-watch.ts). Pure.

const short = (commit: string) => commit.slice(0, 12);

/** "bisection <id> (good abc..bad def)", or "not bisected: <why>". */
export function bisectionText(b: AutoBisection): string {
  if (b.workflowId) return `bisection ${b.workflowId} (${b.good ? `${short(b.good)}..` : ''}${short(b.bad)})`;
  return `not bisected: ${b.reason ?? 'not started'}`;
}

/** The bisection of a confirmed test's cell, if the night started (or considered) one. */
export function bisectionOf(n: NightNotes, c: Confirmation): AutoBisection | undefined {
  return n.bisections?.find(
    (b) => b.config === c.config && b.kernel === c.kernel && b.tests.includes(c.test),
  );
}

/**
 * The note of one regressed test (a comparison's key: config and test): each cell's confirmation
 * and bisection; the kernel named when the test was confirmed on several. Undefined: nothing to add.
 */
export function regressionNote(n: NightNotes, t: { config: string; test: string }): string | undefined {
  const confs = (n.confirmations ?? []).filter((c) => c.config === t.config && c.test === t.test);
  if (!confs.length) return undefined;
  return confs
    .map((c) => {
      const b = bisectionOf(n, c);
      const on = confs.length > 1 ? `${c.kernel}: ` : '';
      return `${on}${c.text}${b ? `, ${bisectionText(b)}` : ''}`;
    })
    .join('; ');
}

/** The bisections the night started (their ids), one line each: for a list under the regressions. */
export function bisectionLines(n: NightNotes): string[] {
  return (n.bisections ?? []).map(
    (b) => `${b.config} × ${b.kernel} ${b.tests.join(' ')}: ${bisectionText(b)}`,
  );
}
