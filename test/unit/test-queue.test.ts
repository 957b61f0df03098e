import { describe, expect, it } from 'vitest';
import { TestQueue } from '../../workflows/test-queue';

const tests = (p: ReturnType<TestQueue['next']>) => (p.kind === 'tests' ? p.tests : p.kind);
const BENCH = { 'b/1': 20, 'b/2': 15, 'b/3': 10, 'b/4': 5, 'b/5': 5, 'b/6': 5 };

describe('cell test queue', () => {
  it('lets one shard list while the others wait, then hands out longest first', () => {
    const q = new TestQueue(2);
    expect(q.next(0)).toEqual({ kind: 'list' });
    expect(q.next(1)).toEqual({ kind: 'wait' });
    q.offer(['g/001', 'g/002', 'g/003'], { 'g/002': 300, 'g/003': 5 });
    q.offer(['x/999']); // a second listing is ignored
    expect(q.total).toBe(3);
    // Unknown durations (g/001: 60 s): chunks are 1/(2K) of the work. 365/4 ≈ 91 s: g/002 alone.
    expect(tests(q.next(1))).toEqual(['g/002']);
    // 300 s still running + 65 s pending = 365 → 91 s: g/001, and g/003 still fits.
    expect(tests(q.next(0))).toEqual(['g/001', 'g/003']);
    q.settle(0);
    expect(q.next(0)).toEqual({ kind: 'wait' }); // shard 1 may still give tests back
    q.settle(1);
    expect(q.next(1)).toEqual({ kind: 'done' });
    expect(q.next(0)).toEqual({ kind: 'done' });
    expect([q.done, q.total]).toEqual([3, 3]);
  });

  // The partitions are worked out by hand: with known durations a chunk is the live shards'
  // share of the work left (pending + what running chunks have left), head first, then fill.
  it('with known durations gives each of K shards one chunk worth Σ/K (bench/sharding, K = 3)', () => {
    const q = new TestQueue(3);
    q.next(0);
    q.offer(Object.keys(BENCH), BENCH);
    expect(tests(q.next(0))).toEqual(['b/1']);
    expect(tests(q.next(1))).toEqual(['b/2', 'b/4']);
    expect(tests(q.next(2))).toEqual(['b/3', 'b/5', 'b/6']);
    expect(q.handOuts).toBe(3);
  });

  it('a tail shorter than a check start-up goes with the chunk before it (measured times, K = 3)', () => {
    const measured = { 'b/1': 20, 'b/2': 16, 'b/3': 11, 'b/4': 5, 'b/5': 6, 'b/6': 6 }; // Σ 64: 21.3 each
    const q = new TestQueue(3);
    q.next(0);
    q.offer(Object.keys(measured), measured);
    expect(tests(q.next(0))).toEqual(['b/1']);
    expect(tests(q.next(1))).toEqual(['b/2', 'b/4']);
    // 11 + 6 fill 21.3 up to 4.3 s; b/6 (6 s) would be left alone for a 4th check: it comes along.
    expect(tests(q.next(2))).toEqual(['b/3', 'b/5', 'b/6']);
    expect(q.handOuts).toBe(3);
  });

  it('a chunk short of its share takes the one test that brings it closest (whole-second times, K = 2)', () => {
    // check.time rounds up: 21 s for a 20 s sleep. Σ 61 → 30.5 each. Longest first then fill gives
    // {21, 5} (10 no longer fits) and leaves {15, 10, 5, 5} = 35 to the other shard.
    const measured = { 'b/1': 21, 'b/2': 15, 'b/3': 10, 'b/4': 5, 'b/5': 5, 'b/6': 5 };
    const q = new TestQueue(2);
    q.next(0);
    q.offer(Object.keys(measured), measured);
    expect(tests(q.next(0))).toEqual(['b/1', 'b/4', 'b/5']); // 31: 0.5 over rather than 4.5 under
    expect(tests(q.next(1))).toEqual(['b/2', 'b/3', 'b/6']); // 30
  });

  it('K = 2: {20, 10} and {15, 5, 5, 5}', () => {
    const q = new TestQueue(2);
    q.next(0);
    q.offer(Object.keys(BENCH), BENCH);
    expect(tests(q.next(0))).toEqual(['b/1', 'b/3']);
    expect(tests(q.next(1))).toEqual(['b/2', 'b/4', 'b/5', 'b/6']);
    q.settle(1);
    expect(q.next(1)).toEqual({ kind: 'wait' });
  });

  it('hands each of 1,200 tests out once, in O(K log n) chunks that shrink', () => {
    const n = 1200;
    const names = Array.from({ length: n }, (_, i) => `gen/${String(i + 1).padStart(4, '0')}`);
    const K = 3;
    const q = new TestQueue(K);
    q.next(0);
    q.offer(names, {}); // no history: every test 60 s
    const seen = new Map<string, number>();
    const sizes: number[] = [];
    let now = 0;
    // Round robin: each shard settles its chunk and pulls again.
    for (let guard = 0; guard < 10_000; guard++) {
      const s = guard % K;
      q.settle(s);
      const p = q.next(s, (now += 1000));
      if (p.kind === 'done') {
        if ([0, 1, 2].every((x) => q.next(x, now).kind === 'done')) break;
        continue;
      }
      if (p.kind !== 'tests') continue;
      sizes.push(p.tests.length);
      for (const t of p.tests) seen.set(t, (seen.get(t) ?? 0) + 1);
    }
    expect(seen.size).toBe(n);
    expect([...seen.values()].every((c) => c === 1)).toBe(true);
    expect(sizes[0]).toBe(n / (2 * K)); // the first chunk: 1/(c·K) of the work, c = 2 without history
    expect(sizes.length).toBeLessThan(K * Math.log2(n) * 2); // ≈ 60, not 1,200
    expect(sizes.at(-1)!).toBeLessThan(sizes[0]! / 10);
    expect(q.done).toBe(n);
  });

  it('runs an exclusive test alone, and never fills a chunk with one', () => {
    const q = new TestQueue(2, new Set(['g/big', 'g/x']));
    q.next(0);
    q.offer(['g/small', 'g/big', 'g/tiny', 'g/x'], { 'g/big': 100, 'g/small': 10, 'g/tiny': 1, 'g/x': 2 });
    expect(tests(q.next(0))).toEqual(['g/big']);
    expect(q.next(1)).toEqual({ kind: 'wait' }); // nothing beside it
    q.settle(0);
    const chunk = tests(q.next(1)) as string[];
    expect(chunk).toContain('g/small');
    expect(chunk).not.toContain('g/x');
  });

  it('an exclusive test at the head waits for the others to drain', () => {
    const q = new TestQueue(2, new Set(['g/x']));
    q.next(0);
    q.offer(['g/a', 'g/x', 'g/b'], { 'g/a': 50, 'g/x': 40, 'g/b': 1 });
    expect(tests(q.next(0))).toEqual(['g/a', 'g/b']); // g/b: a 1 s crumb, not worth its own check
    expect(q.next(1)).toEqual({ kind: 'wait' });
    q.settle(0);
    expect(tests(q.next(1))).toEqual(['g/x']);
  });

  it('hands listing to another shard when the lister leaves without a listing', () => {
    const q = new TestQueue(2);
    expect(q.next(0)).toEqual({ kind: 'list' });
    q.leave(0);
    expect(q.next(1)).toEqual({ kind: 'list' });
  });

  it('puts given-back tests at the head, and a resumed shard gets its own chunk again', () => {
    const q = new TestQueue(2);
    q.next(0);
    q.offer(['a', 'b', 'c', 'd'], { a: 40, b: 30, c: 20, d: 10 });
    expect(tests(q.next(0))).toEqual(['a', 'd']); // 100 s / 2 shards = 50: a, then d fits
    expect(q.resume(0)).toEqual(['a', 'd']); // its worker died: the same chunk, to the same shard
    q.settle(0, ['d', 'zzz']); // d got no verdict; zzz was never its
    expect(tests(q.next(1))).toEqual(['d', 'c']); // d first: the head; 60 s / 2 = 30 → d, then c fits
    expect(q.done).toBe(1);
  });

  it('re-queues what a dead shard held without a verdict to live shards, else returns it', () => {
    const q = new TestQueue(2);
    q.next(0);
    q.offer(['a', 'b', 'c'], { a: 30, b: 20, c: 10 });
    expect(tests(q.next(0))).toEqual(['a']);
    expect(tests(q.next(1))).toEqual(['b', 'c']);
    // shard 0's run ended with no verdict for a: shard 1 is alive, so a goes back to the queue.
    expect(q.leave(0, new Set())).toEqual(new Map());
    q.settle(1);
    expect(tests(q.next(1))).toEqual(['a']);
    // shard 1 ends with b and c only: nobody is left to run a, so the cell must give it a verdict.
    expect(q.leave(1, new Set(['b', 'c']))).toEqual(new Map([['a', 1]]));
  });

  it('drain names tests no shard was ever handed when every shard is gone', () => {
    const q = new TestQueue(2);
    q.next(0);
    q.offer(['a', 'b'], {});
    q.leave(0);
    expect(q.drain()).toEqual(new Map()); // shard 1 may still pull
    expect(q.leave(1)).toEqual(
      new Map([
        ['a', -1],
        ['b', -1],
      ]),
    );
  });

  it('peek, before a shard boots a VM: go while work may come its way, wait on a running chunk, done at the end', () => {
    const q = new TestQueue(2);
    expect([q.peek(0), q.peek(1)]).toEqual(['go', 'go']); // nothing listed yet: boot, list or wait in the guest
    q.next(0);
    q.offer(['a', 'b'], { a: 30, b: 30 });
    expect(tests(q.next(0))).toEqual(['a']);
    expect(q.peek(1)).toBe('go'); // b is pending
    expect(tests(q.next(1))).toEqual(['b']);
    // Shard 1's guest hung in b: settled, b has its (hung) verdict. a still runs and may come back.
    q.settle(1);
    expect(q.peek(1)).toBe('wait');
    expect(q.peek(0)).toBe('go'); // its own chunk is running: a retried batch resumes it
    q.settle(0, ['a']); // a came back without a verdict
    expect(q.peek(1)).toBe('go');
    expect(tests(q.next(1))).toEqual(['a']);
    q.settle(1);
    expect([q.peek(0), q.peek(1)]).toEqual(['done', 'done']); // nothing left: no VM to hear `done`
    q.leave(0, new Set(['a']));
    expect(q.peek(0)).toBe('done');
  });
});
