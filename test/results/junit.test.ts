import { XMLParser, XMLValidator } from 'fast-xml-parser';
import { describe, expect, it } from 'vitest';
import type { TestResult } from '../../common/schemas';
import { cdata, renderJunit } from '../../activities/results/junit';

const results: TestResult[] = [
  { name: 'generic/001', verdict: 'pass', durationSec: 3, flakyAttempts: 2 },
  { name: 'generic/002', verdict: 'fail', durationSec: 4, reason: '- output mismatch (see <x> & "y")' },
  { name: 'generic/003', verdict: 'notrun', durationSec: 0, reason: 'needs a pool' },
  { name: 'generic/004', verdict: 'expunged', durationSec: 0 },
  {
    name: 'generic/005',
    verdict: 'crashed',
    durationSec: 9,
    crashSignature: 'BUG: unable to handle page fault',
    reason: 'kernel crashed',
  },
  { name: 'generic/006', verdict: 'hung', durationSec: 300, reason: 'no output for 300 s' },
  { name: 'generic/007', verdict: 'error', durationSec: 0, reason: 'guest agent lost' },
];

describe('renderJunit', () => {
  const xml = renderJunit(results, {
    suiteName: 'fstests.xfs',
    hostname: 'h1',
    timestamp: '2026-01-01T00:00:00Z',
    excerpts: { 'generic/005': 'console: \x1b[0mBUG: unable ]]> to handle\x00', 'generic/002': '-a\n+b' },
  });
  const parsed = new XMLParser({
    ignoreAttributes: false,
    attributeNamePrefix: '',
    isArray: (n) => n === 'testcase',
  }).parse(xml) as {
    testsuites: { testsuite: Record<string, string> & { testcase: Record<string, unknown>[] } };
  };
  const suite = parsed.testsuites.testsuite;

  it('is valid XML with the counts CI reads', () => {
    expect(XMLValidator.validate(xml)).toBe(true);
    expect([suite.tests, suite.failures, suite.errors, suite.skipped, suite.time]).toEqual([
      '7',
      '1',
      '3',
      '2',
      '316',
    ]);
  });

  it('maps verdicts: fail → failure, crashed/hung/error → error with the signature, notrun → skipped', () => {
    const byName = Object.fromEntries(suite.testcase.map((t) => [t.name as string, t]));
    expect(byName['generic/002']!.failure).toEqual({
      type: 'fail',
      message: '- output mismatch (see <x> & "y")',
    });
    expect(byName['generic/005']!.error).toEqual({
      type: 'crashed',
      message: 'BUG: unable to handle page fault',
    });
    expect(byName['generic/006']!.error).toEqual({ type: 'hung', message: 'no output for 300 s' });
    expect(byName['generic/007']!.error).toEqual({ type: 'error', message: 'guest agent lost' });
    expect(byName['generic/003']!.skipped).toEqual({ message: 'needs a pool' });
    expect(byName['generic/004']!.skipped).toEqual({ message: 'expunged' });
    expect(String(byName['generic/005']!['system-out'])).toContain(
      'kernel crashed\n\nconsole: ?[0mBUG: unable ]]> to handle?',
    );
    expect(String(byName['generic/001']!['system-out'])).toBe('flaky: passed after 2 attempts');
  });

  it('cdata survives "]]>"', () => {
    expect(cdata('a]]>b')).toBe('<![CDATA[a]]]]><![CDATA[>b]]>');
  });
});
