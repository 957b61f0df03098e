// The tests of one config × kernel, handed out one at a time to the shards that pull them
// (pure; lives in the matrix workflow's memory). Longest expected first, so the makespan
// approaches max(longest test, total / shards); an exclusive test runs with no other test.

export type Pull = { kind: 'test'; test: string } | { kind: 'list' } | { kind: 'wait' } | { kind: 'done' };

const UNKNOWN_SEC = 60;

export class TestQueue {
  listed?: string[];
  /** The shard asked to list the selection (`check -n`); others wait for its listing. */
  private lister?: number;
  private pending: string[] = [];
  readonly running = new Map<number, string>();
  done = 0;

  constructor(private readonly exclusive: ReadonlySet<string> = new Set()) {}

  get total(): number {
    return this.listed?.length ?? 0;
  }

  /** The first listing wins; later ones (a race between shards) are ignored. */
  offer(tests: readonly string[], expectedSec: Readonly<Record<string, number>> = {}): void {
    if (this.listed) return;
    this.listed = [...tests];
    const cost = (t: string) => expectedSec[t] ?? UNKNOWN_SEC;
    this.pending = [...tests].sort((a, b) => cost(b) - cost(a) || a.localeCompare(b));
  }

  /** The shard's previous test (if any) is over: count it. */
  finish(shard: number): void {
    if (this.running.delete(shard)) this.done++;
  }

  /** A shard that ended for good no longer lists for the others. */
  leave(shard: number): void {
    this.finish(shard);
    if (this.lister === shard && !this.listed) this.lister = undefined;
  }

  /** What `shard` does next. Mutates only when it hands something out. */
  next(shard: number): Pull {
    if (!this.listed) {
      if (this.lister !== undefined && this.lister !== shard) return { kind: 'wait' };
      this.lister = shard;
      return { kind: 'list' };
    }
    const head = this.pending[0];
    if (head === undefined) return { kind: 'done' };
    const exclusiveRunning = [...this.running.values()].some((t) => this.exclusive.has(t));
    // Head-of-line: an exclusive test waits for the others to drain, and nothing starts beside it.
    if (exclusiveRunning || (this.exclusive.has(head) && this.running.size > 0)) return { kind: 'wait' };
    this.pending.shift();
    this.running.set(shard, head);
    return { kind: 'test', test: head };
  }
}
