import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseListing } from '../../activities/fstests/check-argv';
import { parseProgress } from '../helpers/parse-progress';
import { mergeVerdicts } from '../../activities/verdicts/merge';
import { parseXunit } from '../../activities/verdicts/xunit';

const samples = join(import.meta.dirname, '../fixtures/samples/xfstests-63a29724');
const sample = (f: string) => readFileSync(join(samples, f), 'utf8');

describe('mergeVerdicts', () => {
  const expected = ['a/001', 'a/002', 'a/003', 'a/004', 'a/005', 'a/006'];

  it('guest crashed in a/003: result.xml has what finished, stdout names the running test, the mark wins', () => {
    const progress = parseProgress('a/001        2s\na/002       [not run] no feature\na/003        ');
    const merged = mergeVerdicts({
      expected,
      expunged: ['a/006'],
      xunit: [
        { name: 'a/001', verdict: 'pass', durationSec: 2 },
        { name: 'a/002', verdict: 'notrun', durationSec: 0, reason: 'no feature' },
      ],
      progress,
      marks: [
        {
          test: 'a/003',
          verdict: 'crashed',
          crashSignature: 'BUG: kernel NULL pointer dereference',
          durationSec: 12,
        },
      ],
    });
    expect(merged.results).toEqual([
      { name: 'a/001', verdict: 'pass', durationSec: 2 },
      { name: 'a/002', verdict: 'notrun', durationSec: 0, reason: 'no feature' },
      {
        name: 'a/003',
        verdict: 'crashed',
        durationSec: 12,
        crashSignature: 'BUG: kernel NULL pointer dereference',
      },
      { name: 'a/006', verdict: 'expunged', durationSec: 0 },
    ]);
    expect(merged.missing).toEqual(['a/004', 'a/005']);
  });

  it('real fstests files from a run cut short during generic/001', () => {
    const stdout = sample('run3-notrun.stdout');
    const cut = stdout.slice(0, stdout.indexOf('generic/001') + 'generic/001  6s ... '.length);
    const merged = mergeVerdicts({
      expected: ['ext4/001', 'generic/001', 'generic/108', 'generic/487'],
      expunged: parseListing(sample('list-tests.stdout')).expunged,
      xunit: parseXunit(sample('run3-partial-result.xml'))!.cases.map((c) => c.result),
      progress: parseProgress(cut),
      marks: [{ test: 'generic/001', verdict: 'hung', reason: 'no progress for 300 s' }],
    });
    expect(merged.results.map((r) => `${r.name}:${r.verdict}`)).toEqual([
      'ext4/001:pass',
      'generic/001:hung',
      'generic/006:expunged',
    ]);
    expect(merged.missing).toEqual(['generic/108', 'generic/487']);
  });

  it('without result.xml, stdout decides; a test check was stopped in, without a mark, runs again', () => {
    const merged = mergeVerdicts({
      expected: ['a/001', 'a/002', 'a/003', 'a/004'],
      progress: parseProgress(
        'a/001        2s\na/002 1s ... - output mismatch (see /r/a/002.out.bad)\n    -x\na/003        ',
      ),
    });
    expect(merged.results.map((r) => [r.name, r.verdict, r.durationSec])).toEqual([
      ['a/001', 'pass', 2],
      ['a/002', 'fail', 0],
    ]);
    expect(merged.missing).toEqual(['a/003', 'a/004']);
  });

  it('check that exited by itself owes every test a verdict: the rest are error with its status and output', () => {
    const stdout = 'a/001        2s\na/002        ';
    const merged = mergeVerdicts({
      expected: ['a/001', 'a/002', 'a/003'],
      progress: parseProgress(stdout),
      checkExit: {
        status: 1,
        tail: `${stdout}\n./common/rc: line 4321: _scratch_mkfs: mkfs.xfs failed`,
        outputFile: '/host/results/main-1/check.output',
      },
    });
    expect(merged.missing).toEqual([]);
    // Exactly one verdict per test it was given, in order.
    expect(merged.results.map((r) => r.name)).toEqual(['a/001', 'a/002', 'a/003']);
    expect(merged.results.map((r) => r.verdict)).toEqual(['pass', 'error', 'error']);
    const [, started, never] = merged.results;
    expect(started!.reason).toMatch(/^check exited with status 1 without a verdict: the test started/);
    expect(never!.reason).toMatch(/the test was never started/);
    for (const r of [started!, never!]) {
      expect(r.reason).toContain('mkfs.xfs failed');
      expect(r.reason).toContain('/host/results/main-1/check.output');
    }
  });

  it('iterations (check -i 3): every verdict is kept, the worst counts', () => {
    const once = 'a/001        2s\na/002        3s\n';
    const failing = 'a/001        2s\na/002 3s ... - output mismatch (see /r/a/002.out.bad)\n    -x\n';
    const merged = mergeVerdicts({
      expected: ['a/001', 'a/002'],
      // result.xml holds the last iteration only (check rewrites it)
      xunit: [
        { name: 'a/001', verdict: 'pass', durationSec: 2 },
        { name: 'a/002', verdict: 'pass', durationSec: 3 },
      ],
      progress: parseProgress(once + failing + once),
      checkExit: { status: 1, tail: '' },
    });
    expect(merged.iterations).toEqual({
      'a/001': ['pass', 'pass', 'pass'],
      'a/002': ['pass', 'fail', 'pass'],
    });
    expect(merged.results.map((r) => [r.name, r.verdict])).toEqual([
      ['a/001', 'pass'],
      ['a/002', 'fail'],
    ]);
    expect(merged.results[1]!.reason).toMatch(/^iterations: pass fail pass; - output mismatch/);
  });

  // The console of the fixture check's -L 2 on fixture/011 (fails odd runs): the lines fstests prints.
  it('reruns (check -L 2): every run kept, the first failure counts, the aggregate line is no test', () => {
    const out = [
      'a/001 2s ...  2s',
      'a/011       - output mismatch (see /r/a/011.out.bad)',
      '    -Silence is golden',
      'a/011        0s',
      'a/011       - output mismatch (see /r/a/011.out.bad)',
      'a/011 aggregate results across 3 runs: pass=1 (33.3%), fail=2 (66.7%)',
      'Ran: a/001 a/011',
      'Failures: a/011',
      'Failed 1 of 2 tests',
      '',
    ].join('\n');
    const merged = mergeVerdicts({
      expected: ['a/001', 'a/011'],
      progress: parseProgress(out),
      checkExit: { status: 1, tail: '' },
    });
    expect(merged.iterations).toEqual({ 'a/011': ['fail', 'pass', 'fail'] });
    expect(merged.results.map((r) => [r.name, r.verdict])).toEqual([
      ['a/001', 'pass'],
      ['a/011', 'fail'],
    ]);
    expect(merged.results[1]!.reason).toMatch(
      /^reruns after a failure: fail pass fail \(pass=1 \(33\.3%\), fail=2 \(66\.7%\)\); - output mismatch/,
    );
  });

  it('result.xml beats stdout', () => {
    const merged = mergeVerdicts({
      xunit: [{ name: 'a/001', verdict: 'fail', durationSec: 5, reason: 'from xml' }],
      progress: parseProgress('a/001        5s\na/002        1s\n'),
    });
    expect(merged.results.map((r) => `${r.name}:${r.verdict}`)).toEqual(['a/001:fail', 'a/002:pass']);
  });

  it('a hang mark overrides even a result (the orchestrator saw it)', () => {
    const merged = mergeVerdicts({
      xunit: [{ name: 'a/001', verdict: 'pass', durationSec: 1 }],
      marks: [{ test: 'a/001', verdict: 'hung', reason: 'no progress for 300 s' }],
    });
    expect(merged.results).toEqual([
      { name: 'a/001', verdict: 'hung', durationSec: 0, reason: 'no progress for 300 s' },
    ]);
  });
});
