import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ProgressParser, type ProgressEvent } from '../../activities/verdicts/progress';
import { parseProgress } from '../helpers/parse-progress';

const samples = join(import.meta.dirname, '../fixtures/samples/xfstests-63a29724');
const sample = (f: string) => readFileSync(join(samples, f), 'utf8');
const finished = (ev: ProgressEvent[]) => ev.filter((e) => e.kind === 'finished');

describe('ProgressParser on real fstests stdout', () => {
  it('first run: passes with durations, an expunged test, the summary', () => {
    const ev = parseProgress(sample('run1-pass.stdout'));
    expect(ev[0]).toEqual({ kind: 'section', section: 'fsto' });
    expect(finished(ev)).toEqual([
      { kind: 'finished', test: 'ext4/001', verdict: 'pass', durationSec: 1 },
      { kind: 'finished', test: 'generic/001', verdict: 'pass', durationSec: 4 },
      { kind: 'finished', test: 'generic/002', verdict: 'pass', durationSec: 1 },
      { kind: 'finished', test: 'generic/005', verdict: 'pass', durationSec: 1 },
      { kind: 'finished', test: 'generic/006', verdict: 'expunged' },
    ]);
    const summaries = ev.filter((e) => e.kind === 'summary');
    expect(summaries).toHaveLength(2); // _wrapup, then the closing per-section summary
    expect(summaries[1]).toEqual({
      kind: 'summary',
      ran: ['ext4/001', 'generic/001', 'generic/002', 'generic/005'],
      notRun: [],
      failures: [],
      interrupted: false,
      failed: 0,
      total: 4,
    });
  });

  it('second run: last run times, an output mismatch with its diff excerpt', () => {
    const ev = finished(parseProgress(sample('run2-fail.stdout')));
    expect(ev[0]).toEqual({
      kind: 'finished',
      test: 'ext4/001',
      verdict: 'pass',
      durationSec: 3,
      lastDurationSec: 1,
    });
    const fail = ev.find((e) => e.test === 'generic/002')!;
    expect(fail).toMatchObject({
      verdict: 'fail',
      lastDurationSec: 1,
      reason: '- output mismatch (see /tmp/rf/results/fsto/generic/002.out.bad)',
    });
    expect(fail.kind === 'finished' && fail.diff).toContain(
      '-an extra line fsto added to provoke a mismatch',
    );
    expect(fail.kind === 'finished' && fail.diff?.at(-1)).toMatch(/^\(Run 'diff -u /);
    expect(ev.map((e) => e.verdict)).toEqual(['pass', 'pass', 'fail', 'pass', 'expunged']);
  });

  it('third run: real not run lines', () => {
    expect(finished(parseProgress(sample('run3-notrun.stdout'))).slice(2)).toEqual([
      { kind: 'finished', test: 'generic/108', verdict: 'notrun', reason: 'scsi_debug module not found' },
      {
        kind: 'finished',
        test: 'generic/487',
        verdict: 'notrun',
        reason: 'This test requires a valid $SCRATCH_LOGDEV',
      },
    ]);
  });

  it('not run lines carry the reason, with or without a last time', () => {
    expect(
      finished(
        parseProgress(
          'generic/108       [not run] this test requires a valid $SCRATCH_DEV_POOL\ngeneric/487 1s ... [not run] needs a log device\n',
        ),
      ),
    ).toEqual([
      {
        kind: 'finished',
        test: 'generic/108',
        verdict: 'notrun',
        reason: 'this test requires a valid $SCRATCH_DEV_POOL',
      },
      {
        kind: 'finished',
        test: 'generic/487',
        verdict: 'notrun',
        reason: 'needs a log device',
        lastDurationSec: 1,
      },
    ]);
  });

  it('other failure forms: exit status, dmesg, no time printed', () => {
    const ev = finished(
      parseProgress(
        'xfs/001 2s ... [failed, exit status 1]- output mismatch (see /r/xfs/001.out.bad)\n    --- a\n    +++ b\n' +
          'xfs/002       _check_dmesg: something found in dmesg (see /r/xfs/002.dmesg)\n\n' +
          'xfs/003       \n',
      ),
    );
    expect(ev.map((e) => [e.test, e.verdict, e.kind === 'finished' && e.reason])).toEqual([
      ['xfs/001', 'fail', '[failed, exit status 1]- output mismatch (see /r/xfs/001.out.bad)'],
      ['xfs/002', 'fail', '_check_dmesg: something found in dmesg (see /r/xfs/002.dmesg)'],
      ['xfs/003', 'fail', 'failed (check printed no run time)'],
    ]);
  });

  it('announces the running test from a partial line, whatever the chunking', () => {
    const text = sample('run2-fail.stdout');
    const whole = parseProgress(text);
    const p = new ProgressParser();
    const chunked: ProgressEvent[] = [];
    for (let i = 0; i < text.length; i += 7) chunked.push(...p.push(text.slice(i, i + 7)));
    chunked.push(...p.end());
    // A chunk may end before the last-time column: `started` then comes without lastDurationSec.
    const notStarted = (ev: ProgressEvent[]) => ev.filter((e) => e.kind !== 'started');
    const started = (ev: ProgressEvent[]) => ev.flatMap((e) => (e.kind === 'started' ? [e.test] : []));
    expect(notStarted(chunked)).toEqual(notStarted(whole));
    expect(started(chunked)).toEqual(started(whole));

    const q = new ProgressParser();
    expect(q.push('generic/001         3s\ngeneric/002  5s ... ')).toEqual([
      { kind: 'started', test: 'generic/001' },
      { kind: 'finished', test: 'generic/001', verdict: 'pass', durationSec: 3 },
      { kind: 'started', test: 'generic/002', lastDurationSec: 5 },
    ]);
    expect(q.running).toBe('generic/002');
    // The guest died: the stream ends mid-line; no verdict is invented.
    expect(q.end()).toEqual([]);
  });

  it('reports an interrupted run', () => {
    const ev = parseProgress('Ran: generic/001\nInterrupted!\nPassed all 1 tests\n');
    expect(ev).toEqual([
      {
        kind: 'summary',
        ran: ['generic/001'],
        notRun: [],
        failures: [],
        interrupted: true,
        failed: 0,
        total: 1,
      },
    ]);
  });
});
