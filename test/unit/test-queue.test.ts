import { describe, expect, it } from 'vitest';
import { TestQueue } from '../../workflows/test-queue';

describe('matrix test queue', () => {
  it('lets one shard list while the others wait, then hands out longest first', () => {
    const q = new TestQueue();
    expect(q.next(0)).toEqual({ kind: 'list' });
    expect(q.next(1)).toEqual({ kind: 'wait' });
    q.offer(['g/001', 'g/002', 'g/003'], { 'g/002': 300, 'g/003': 5 });
    q.offer(['x/999']); // a second listing is ignored
    expect(q.next(1)).toEqual({ kind: 'test', test: 'g/002' });
    expect(q.next(0)).toEqual({ kind: 'test', test: 'g/001' }); // unknown: 60 s
    q.finish(0);
    expect(q.next(0)).toEqual({ kind: 'test', test: 'g/003' });
    q.finish(0);
    q.finish(1);
    expect(q.next(0)).toEqual({ kind: 'done' });
    expect([q.done, q.total]).toEqual([3, 3]);
  });

  it('runs an exclusive test alone', () => {
    const q = new TestQueue(new Set(['g/big']));
    q.offer(['g/small', 'g/big', 'g/tiny'], { 'g/big': 100, 'g/small': 10, 'g/tiny': 1 });
    expect(q.next(0)).toEqual({ kind: 'test', test: 'g/big' });
    expect(q.next(1)).toEqual({ kind: 'wait' }); // nothing beside it
    q.finish(0);
    expect(q.next(1)).toEqual({ kind: 'test', test: 'g/small' });
    expect(q.next(0)).toEqual({ kind: 'test', test: 'g/tiny' });
  });

  it('an exclusive test at the head waits for the others to drain', () => {
    const q = new TestQueue(new Set(['g/x']));
    q.offer(['g/a', 'g/x', 'g/b'], { 'g/a': 50, 'g/x': 40, 'g/b': 1 });
    expect(q.next(0)).toEqual({ kind: 'test', test: 'g/a' });
    expect(q.next(1)).toEqual({ kind: 'wait' });
    q.finish(0);
    expect(q.next(1)).toEqual({ kind: 'test', test: 'g/x' });
  });

  it('hands listing to another shard when the lister leaves without a listing', () => {
    const q = new TestQueue();
    expect(q.next(0)).toEqual({ kind: 'list' });
    q.leave(0);
    expect(q.next(1)).toEqual({ kind: 'list' });
  });
});
