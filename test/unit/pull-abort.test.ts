import { describe, expect, it } from 'vitest';
import { PullAborted, runPulled, type PullClient } from '../../activities/fstests/pull';
import type { CheckRunContext } from '../../activities/fstests/check-run';
import type { BatchInput, PullReply, PullRequest } from '../../common/schemas';

// A shard waiting in its cell for work (its pull Update pending) whose batch is cancelled (the
// worker shuts down, the run is cancelled): the wait ends with the batch, and the attempt tells
// the cell it stops, so the cell hands no chunk to a dead batch (workflows/cell.ts ends the
// waiting request on that `stop`; test/workflow/cell-stop.test.ts).

const input = { pull: { parentWorkflowId: 'cell', key: 'xfs.k0', shard: 0 } } as BatchInput;

/** Requests that are not a stop wait forever (the cell has no work yet); a stop is answered. */
function waitingCell(first: PullReply | undefined): { client: PullClient; asked: PullRequest[] } {
  const asked: PullRequest[] = [];
  const client: PullClient = {
    next: (_cell, req) => {
      asked.push(req);
      if (req.stop) return Promise.resolve({ kind: 'done' });
      if (asked.length === 1 && first) return Promise.resolve(first);
      return new Promise<PullReply>(() => {});
    },
    offer: () => Promise.reject(new Error('no listing here')),
    ready: async () => false,
  };
  return { client, asked };
}

/** What runPulled did within `ms` of the batch's cancellation. */
async function cancelledWhileWaiting(client: PullClient, sleep: (sec: number) => Promise<void>) {
  const ac = new AbortController();
  const c = { input, cancel: ac.signal } as CheckRunContext;
  const ran: string[][] = [];
  const loop = runPulled(
    c,
    client,
    async () => [],
    new Map(),
    4001,
    async (t) => {
      ran.push(t);
      return { results: [], ended: 'completed' };
    },
    sleep,
  );
  await new Promise((r) => setTimeout(r, 50));
  ac.abort();
  const ended = await Promise.race([
    loop.then(
      () => 'returned',
      (e: unknown) => e,
    ),
    new Promise((r) => setTimeout(() => r('still waiting'), 1000)),
  ]);
  return { ended, ran };
}

describe('a shard waiting in its cell stops with its batch', () => {
  it('the pending pull ends on cancellation and the cell is told this attempt stops', async () => {
    const { client, asked } = waitingCell(undefined);
    const { ended, ran } = await cancelledWhileWaiting(client, () => Promise.resolve());
    expect(String(ended)).not.toBe('still waiting');
    expect(ended).toBeInstanceOf(PullAborted);
    expect(ran).toEqual([]);
    expect(asked).toEqual([
      { key: 'xfs.k0', shard: 0, epoch: 4001, resume: true },
      { key: 'xfs.k0', shard: 0, epoch: 4001, resume: true, stop: true },
    ]);
  });

  it('told to wait (too many waiting in the cell): the wait between asks ends too', async () => {
    const { client, asked } = waitingCell({ kind: 'wait', sec: 5 });
    const sleep = (sec: number) => new Promise<void>((r) => setTimeout(r, sec * 1000));
    const { ended } = await cancelledWhileWaiting(client, sleep);
    expect(String(ended)).not.toBe('still waiting');
    expect(ended).toBeInstanceOf(PullAborted);
    expect(asked).toHaveLength(1); // nothing waits in the cell for it: nothing to tell
  });
});
