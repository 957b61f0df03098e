import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { journaledVerdicts } from '../../activities/verdicts/journaled';

const line = (name: string, verdict: string) => JSON.stringify({ name, verdict, durationSec: 1 });

// A run cancelled mid-batch: the verdicts the host journaled (one JSON line per finished test,
// written here by hand) for the tests the workflow has none of.
describe('journaledVerdicts', () => {
  it("takes the wanted tests' verdicts from every batch journal, later batches last", async () => {
    const dir = await mkdtemp(join(tmpdir(), 'fsto-journal-'));
    await writeFile(
      join(dir, 'main-1.results.jsonl'),
      `${line('a/001', 'pass')}\n${line('a/002', 'fail')}\n`,
    );
    await writeFile(join(dir, 'main-10.results.jsonl'), `${line('a/004', 'pass')}\n`);
    await writeFile(join(dir, 'main-2.results.jsonl'), `${line('a/003', 'notrun')}\n{"name":"a/00`);
    await writeFile(join(dir, 'main-1.listing.json'), '["a/001"]');
    const got = await journaledVerdicts(dir, ['a/002', 'a/003', 'a/004', 'a/005']);
    expect(got.map((t) => [t.name, t.verdict])).toEqual([
      ['a/002', 'fail'],
      ['a/003', 'notrun'],
      ['a/004', 'pass'],
    ]);
    expect(await journaledVerdicts(dir, [])).toEqual([]);
    expect(await journaledVerdicts(join(dir, 'missing'), ['a/001'])).toEqual([]);
  });

  it('a matrix shard (no listing): every journaled test it has no verdict for', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'fsto-journal-'));
    await writeFile(
      join(dir, 'shard-1.results.jsonl'),
      `${line('a/001', 'pass')}\n${line('a/002', 'fail')}\n`,
    );
    await writeFile(join(dir, 'shard-2.results.jsonl'), `${line('a/003', 'pass')}\n`);
    const known = [{ name: 'a/001', verdict: 'pass' as const, durationSec: 1 }];
    const got = await journaledVerdicts(dir, 'all', known);
    expect(got.map((t) => [t.name, t.verdict])).toEqual([
      ['a/002', 'fail'],
      ['a/003', 'pass'],
    ]);
  });
});
