import { afterEach, describe, expect, it } from 'vitest';
import { Context } from '@temporalio/activity';
import { cellHost, names, runCell, stopCellHost } from './cell-kit';

// The cell's Update count against hand-outs and waiting time (the kit: cell-kit.ts).

afterEach(stopCellHost);

describe('the cell Update budget', () => {
  /** One 16-shard cell whose t/01 takes `tailSec`: the other shards wait the tail out. */
  async function cellUpdates(tailSec: number) {
    const listing = names(20);
    const { result } = await runCell(
      {
        listing,
        beforeTest: async (t) => {
          if (t !== 't/01') return;
          for (const end = Date.now() + tailSec * 1000; Date.now() < end; ) {
            Context.current().heartbeat();
            await new Promise((r) => setTimeout(r, 500));
          }
        },
      },
      16,
    );
    expect([result.listed, result.tests, result.counts]).toEqual([20, 20, { pass: 20 }]);
    const events =
      (await cellHost().client.workflow.getHandle(result.workflowId).fetchHistory()).events ?? [];
    return {
      updates: events.filter((e) => e.workflowExecutionUpdateAcceptedEventAttributes).length,
      events: events.length,
      handOuts: result.handOuts ?? 0,
    };
  }

  it('grows with hand-outs, not with how long the shards wait (16 shards, a long tail)', async () => {
    const short = await cellUpdates(2);
    await stopCellHost();
    const long = await cellUpdates(16);
    console.log(`[update budget] tail 2 s: ${JSON.stringify(short)}; tail 16 s: ${JSON.stringify(long)}`);
    // Each shard: a resume pull, its hand-outs, its last pull, the listing; nothing per wait.
    for (const x of [short, long]) expect(x.updates).toBeLessThanOrEqual(x.handOuts + 2 * 16 + 2);
    // The resume and last pulls vary by a few with timing (a 2-s tail measured 45 and 47 Updates for
    // 20 hand-outs); an Update per wait would add at least one per waiting shard (15).
    expect(long.updates - long.handOuts).toBeLessThanOrEqual(short.updates - short.handOuts + 5);
  }, 900_000);
});
