import { appendFile, mkdtemp, readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { BatchJournal } from '../../activities/verdicts/journal';
import { journaledVerdicts } from '../../activities/verdicts/journaled';
import type { TestResult } from '../../common/schemas';

// runTestBatch (activities/fstests/batch.ts) hands the journal each verdict twice: as check
// streams it (onFinished) and again in check's merged outcome. The file must hold each verdict
// once; a merged verdict that differs (xunit's reason) is the test's last line, which is what
// every reader takes. The oracle: the file's lines, read back here as plain JSON.

const lines = async (file: string) =>
  (await readFile(file, 'utf8'))
    .split('\n')
    .filter(Boolean)
    .map((l) => JSON.parse(l) as TestResult);

describe('the batch journal writes each verdict once', () => {
  it('the streamed verdict and the same merged one (fields in another order): one line', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'fsto-journal-once-'));
    const j = new BatchJournal(dir, 'main-1');
    await j.reset();
    // As check-run's progress parser and readXunit build them.
    j.record({ name: 'a/001', verdict: 'pass', durationSec: 3 });
    j.record({ name: 'a/002', verdict: 'notrun', durationSec: 0, reason: 'no quota' });
    j.record({ name: 'a/001', durationSec: 3, verdict: 'pass' });
    j.record({ name: 'a/002', durationSec: 0, verdict: 'notrun', reason: 'no quota' });
    await j.flush();
    expect((await lines(j.resultsFile)).map((r) => r.name)).toEqual(['a/001', 'a/002']);
  });

  it('a merged verdict that differs is written after the streamed one, and readers take it', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'fsto-journal-once-'));
    const j = new BatchJournal(dir, 'main-1');
    await j.reset();
    j.record({ name: 'a/003', verdict: 'fail', durationSec: 2, reason: 'output mismatch\n-a\n+b' });
    j.record({
      name: 'a/003',
      verdict: 'fail',
      durationSec: 2,
      reason: '- output mismatch (see a/003.out.bad)',
    });
    await j.flush();
    expect((await lines(j.resultsFile)).map((r) => r.reason)).toEqual([
      'output mismatch\n-a\n+b',
      '- output mismatch (see a/003.out.bad)',
    ]);
    expect((await new BatchJournal(dir, 'main-1').finished()).get('a/003')?.reason).toMatch(/out\.bad/);
    expect((await journaledVerdicts(dir, ['a/003']))[0]?.reason).toMatch(/out\.bad/);
  });

  it('a retried attempt does not write again what its predecessor journaled', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'fsto-journal-once-'));
    const first = new BatchJournal(dir, 'main-1');
    await first.reset();
    first.record({ name: 'a/001', verdict: 'pass', durationSec: 3 });
    await first.flush();
    const again = new BatchJournal(dir, 'main-1');
    await again.finished();
    again.record({ name: 'a/001', durationSec: 3, verdict: 'pass' });
    again.record({ name: 'a/002', verdict: 'pass', durationSec: 1 });
    await again.flush();
    expect((await lines(again.resultsFile)).map((r) => r.name)).toEqual(['a/001', 'a/002']);
  });

  it("after a torn last line (the worker died mid-write) the retry's first verdict is kept", async () => {
    const dir = await mkdtemp(join(tmpdir(), 'fsto-journal-once-'));
    const first = new BatchJournal(dir, 'main-1');
    await first.reset();
    first.record({ name: 'a/001', verdict: 'pass', durationSec: 3 });
    await first.flush();
    await appendFile(first.resultsFile, '{"name":"a/002","verd');
    const again = new BatchJournal(dir, 'main-1');
    expect([...(await again.finished()).keys()]).toEqual(['a/001']);
    again.record({ name: 'a/002', verdict: 'pass', durationSec: 1 });
    await again.flush();
    expect([...(await new BatchJournal(dir, 'main-1').finished()).keys()]).toEqual(['a/001', 'a/002']);
  });
});
