import type { TestResult } from '../../common/schemas';

// A JUnit XML report for CI (pure). fail → <failure>; crashed, hung and error → <error> with
// type set to the verdict and the crash signature as message; notrun and expunged → <skipped>.
// Per-test text (the diff of a failure, the console excerpt of a crash) goes into <system-out>.

export interface JunitOptions {
  /** The testsuite name, e.g. `fstests.xfs`; testcases get it as classname. */
  suiteName: string;
  /** Per-test excerpts: a failure's diff, a crash's or hang's console excerpt. */
  excerpts?: Readonly<Record<string, string>>;
  hostname?: string;
  /** ISO timestamp of the run's start. */
  timestamp?: string;
}

// Characters XML 1.0 cannot hold at all (console logs are full of escape sequences).
// eslint-disable-next-line no-control-regex
const INVALID_XML = /[^\x09\x0a\x0d\x20-\ud7ff\ue000-\ufffd\u{10000}-\u{10ffff}]/gu;

export function xmlAttr(s: string): string {
  return s
    .replace(INVALID_XML, '?')
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;')
    .replace(/\n/g, '&#10;');
}

/** A CDATA section that survives any text, including `]]>` inside it. */
export function cdata(s: string): string {
  return `<![CDATA[${s.replace(INVALID_XML, '?').replace(/]]>/g, ']]]]><![CDATA[>')}]]>`;
}

function body(t: TestResult): string {
  const msg = t.crashSignature ?? t.reason ?? t.verdict;
  switch (t.verdict) {
    case 'pass':
      return '';
    case 'fail':
      return `<failure type="fail" message="${xmlAttr(t.reason ?? 'failed')}"/>`;
    case 'notrun':
    case 'expunged':
      return `<skipped message="${xmlAttr(t.verdict === 'expunged' ? 'expunged' : (t.reason ?? 'not run'))}"/>`;
    case 'crashed':
    case 'hung':
    case 'error':
      return `<error type="${t.verdict}" message="${xmlAttr(msg)}"/>`;
  }
}

export function renderJunit(results: readonly TestResult[], opts: JunitOptions): string {
  const count = (...v: string[]) => results.filter((r) => v.includes(r.verdict)).length;
  const time = results.reduce((s, r) => s + r.durationSec, 0);
  const suiteAttrs = [
    `name="${xmlAttr(opts.suiteName)}"`,
    `tests="${results.length}"`,
    `failures="${count('fail')}"`,
    `errors="${count('crashed', 'hung', 'error')}"`,
    `skipped="${count('notrun', 'expunged')}"`,
    `time="${time}"`,
    ...(opts.hostname ? [`hostname="${xmlAttr(opts.hostname)}"`] : []),
    ...(opts.timestamp ? [`timestamp="${xmlAttr(opts.timestamp)}"`] : []),
  ].join(' ');
  const cases = results.map((t) => {
    const inner: string[] = [];
    const b = body(t);
    if (b) inner.push(`    ${b}`);
    const notes = [
      t.flakyAttempts ? `flaky: passed after ${t.flakyAttempts} attempts` : '',
      t.crashSignature && t.reason ? t.reason : '',
      opts.excerpts?.[t.name] ?? '',
    ].filter(Boolean);
    if (notes.length) inner.push(`    <system-out>${cdata(notes.join('\n\n'))}</system-out>`);
    const open = `  <testcase classname="${xmlAttr(opts.suiteName)}" name="${xmlAttr(t.name)}" time="${t.durationSec}"`;
    return inner.length ? `${open}>\n${inner.join('\n')}\n  </testcase>` : `${open}/>`;
  });
  return [
    '<?xml version="1.0" encoding="UTF-8"?>',
    `<testsuites>`,
    `<testsuite ${suiteAttrs}>`,
    ...cases,
    '</testsuite>',
    '</testsuites>',
    '',
  ].join('\n');
}
