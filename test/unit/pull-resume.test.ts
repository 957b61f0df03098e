import { describe, expect, it } from 'vitest';
import { runPulled, type PullClient, type RunChunk } from '../../activities/fstests/pull';
import type { CheckRunContext } from '../../activities/fstests/check-run';
import type { BatchInput, PullReply, PullRequest, TestResult } from '../../common/schemas';

// A batch attempt retried after its worker died resumes its chunk (the cell hands it again): the
// tests of it that the batch's journal already holds a verdict for must not run again, and the
// chunk must still be settled with the cell as a whole (no test given back that has a verdict).
// The product's pull loop (runPulled) against a cell that answers as workflows/cell.ts does.

const pass = (name: string): TestResult => ({ name, verdict: 'pass', durationSec: 1 });
const input = { pull: { parentWorkflowId: 'cell', key: 'xfs.k0', shard: 1 } } as BatchInput;
const ctx = (): CheckRunContext => ({ input, cancel: new AbortController().signal }) as CheckRunContext;
const chunk = ['t/01', 't/02', 't/03', 't/04'];

/** A cell that hands `replies` in order and records every request. */
function cell(replies: PullReply[]): { client: PullClient; asked: PullRequest[] } {
  const asked: PullRequest[] = [];
  const client: PullClient = {
    next: async (_cell, req) => {
      asked.push(req);
      return replies.shift() ?? { kind: 'done' };
    },
    offer: () => Promise.reject(new Error('no listing here')),
  };
  return { client, asked };
}

/** A guest that passes what it is given, or dies in `crashIn` (no verdict for it or after it). */
function guest(crashIn?: string): { run: RunChunk; ran: string[][] } {
  const ran: string[][] = [];
  const run: RunChunk = async (tests) => {
    ran.push(tests);
    const upTo = crashIn ? tests.indexOf(crashIn) : -1;
    if (upTo < 0) return { results: tests.map(pass), ended: 'completed' };
    return { results: tests.slice(0, upTo).map(pass), ended: 'crashed', at: crashIn };
  };
  return { run, ran };
}

const noSleep = () => Promise.resolve();

describe('runPulled resumes a chunk without running its journaled tests again', () => {
  it('runs only the tests without a verdict, then settles the chunk (nothing given back)', async () => {
    const { client, asked } = cell([{ kind: 'tests', tests: chunk }]);
    const g = guest();
    const journaled = new Set(['t/01', 't/02']);
    const out = await runPulled(ctx(), client, async () => [], new Map(), 7001, g.run, noSleep, journaled);
    expect(g.ran).toEqual([['t/03', 't/04']]);
    expect(out.results.map((r) => r.name)).toEqual(['t/03', 't/04']);
    expect(asked).toEqual([
      { key: 'xfs.k0', shard: 1, epoch: 7001, resume: true },
      { key: 'xfs.k0', shard: 1, epoch: 7001 },
    ]);
  });

  it('a chunk the journal holds whole runs no check at all', async () => {
    const { client, asked } = cell([{ kind: 'tests', tests: chunk }]);
    const g = guest();
    const out = await runPulled(
      ctx(),
      client,
      async () => [],
      new Map(),
      7001,
      g.run,
      noSleep,
      new Set(chunk),
    );
    expect([g.ran, out.results, out.ended]).toEqual([[], [], 'completed']);
    expect(asked.map((r) => [r.resume ?? false, r.giveBack ?? []])).toEqual([
      [true, []],
      [false, []],
    ]);
  });

  it('the guest dies in the resumed chunk: only the unrun tests go back, never a journaled one', async () => {
    const { client, asked } = cell([{ kind: 'tests', tests: chunk }]);
    const g = guest('t/03');
    const out = await runPulled(
      ctx(),
      client,
      async () => [],
      new Map(),
      7001,
      g.run,
      noSleep,
      new Set(['t/02']),
    );
    expect(g.ran).toEqual([['t/01', 't/03', 't/04']]);
    expect([out.ended, out.at, out.results.map((r) => r.name)]).toEqual(['crashed', 't/03', ['t/01']]);
    expect(asked[1]).toEqual({ key: 'xfs.k0', shard: 1, epoch: 7001, giveBack: ['t/04'], stop: true });
  });
});
