import { describe, expect, it } from 'vitest';
import type { PullPeek } from '../../common/queries';
import { workAhead, type PullClient } from '../../activities/fstests/pull';

const src = { parentWorkflowId: 'cell', key: 'k', shard: 1 };
const client = (answers: (PullPeek | Error)[], asked: number[]): PullClient => ({
  next: () => Promise.reject(new Error('no Update before a VM boots')),
  offer: () => Promise.reject(new Error('no Update before a VM boots')),
  peek: (cell, shard) => {
    asked.push(shard);
    const a = answers.shift() ?? 'done';
    return a instanceof Error ? Promise.reject(a) : Promise.resolve(a);
  },
});
const noSleep = () => Promise.resolve();

// The batch's question before it boots a shard's VM (activities/fstests/batch.ts), by Query only.
describe('workAhead: a shard boots a VM only when its cell may hand it work', () => {
  it('waits (no VM) while the cell says wait, then boots on go', async () => {
    const asked: number[] = [];
    const ok = await workAhead(
      client(['wait', 'wait', 'go'], asked),
      src,
      new AbortController().signal,
      noSleep,
    );
    expect([ok, asked]).toEqual([true, [1, 1, 1]]);
  });
  it('boots nothing when the cell will hand nothing more', async () => {
    const asked: number[] = [];
    expect(await workAhead(client(['wait', 'done'], asked), src, new AbortController().signal, noSleep)).toBe(
      false,
    );
  });
  it('boots as before when the cell cannot be asked (an older cell, an error) or the client has no peek', async () => {
    expect(
      await workAhead(client([new Error('unknown query')], []), src, new AbortController().signal, noSleep),
    ).toBe(true);
    const { peek: _p, ...old } = client([], []);
    expect(await workAhead(old, src, new AbortController().signal, noSleep)).toBe(true);
  });
  it('stops waiting when the batch is cancelled', async () => {
    const ac = new AbortController();
    ac.abort();
    expect(await workAhead(client(['wait', 'wait'], []), src, ac.signal, noSleep)).toBe(true);
  });
});
