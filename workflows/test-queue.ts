// The tests of one config × kernel, handed out in chunks to the shards that pull them (pure;
// lives in the cell workflow's memory). Guided self-scheduling: a chunk is worth about
// 1/(c·K) of the work not yet done (pending + what running chunks still have left), taken
// longest first — the head, then the longest tests that still fit — so one `check` runs many
// tests, early chunks are big and late ones small, and shards end together. Exclusive tests go
// alone with nothing beside them. The queue knows what each shard holds, so that every listed
// test ends with exactly one verdict: tests given back go to the head; tests a shard held when
// it ended without their verdict go to the shards still pulling, or become the cell's `error`.

export type Pull =
  | { kind: 'tests'; tests: string[] }
  | { kind: 'list' }
  | { kind: 'wait' }
  | { kind: 'done' };

/** Expected seconds of a test with no history. */
export const UNKNOWN_SEC = 60;
/** About one `check` start-up and wrap-up: a tail this short goes with the chunk before it. */
export const TAIL_SEC = 10;

interface Chunk {
  tests: string[];
  /** Expected seconds of the chunk, and when (workflow time, ms) it was handed out. */
  cost: number;
  at: number;
}

export class TestQueue {
  listed?: string[];
  /** The shard asked to list the selection (`check -n`); others wait for its listing. */
  private lister?: number;
  private pending: string[] = [];
  private readonly cost = new Map<string, number>();
  private allKnown = false;
  /** The chunk each shard is running now. */
  readonly running = new Map<number, Chunk>();
  /** Every test handed to a shard and not given back: what its summary must account for. */
  private readonly held = new Map<number, Set<string>>();
  /** Shards that ended for good, and shards told done (they pull again only if retried). */
  private readonly ended = new Set<number>();
  private readonly toldDone = new Set<number>();
  /** Tests put back after their shard ended without a verdict: test → that shard. */
  private readonly requeued = new Map<string, number>();
  /** Tests handed out and settled (their chunk is over, not given back). */
  done = 0;
  handOuts = 0;

  constructor(
    private readonly shards: number,
    private readonly exclusive: ReadonlySet<string> = new Set(),
    /** Smaller c: bigger chunks (fewer `check` start-ups); larger: more room to rebalance. */
    private readonly c: { known: number; unknown: number } = { known: 1, unknown: 2 },
  ) {}

  get total(): number {
    return this.listed?.length ?? 0;
  }

  /** The first listing wins; later ones (a race between shards) are ignored. */
  offer(tests: readonly string[], expectedSec: Readonly<Record<string, number>> = {}): void {
    if (this.listed) return;
    this.listed = [...new Set(tests)];
    for (const t of this.listed) this.cost.set(t, expectedSec[t] ?? UNKNOWN_SEC);
    this.allKnown = this.listed.every((t) => expectedSec[t] !== undefined);
    this.pending = [...this.listed].sort((a, b) => this.costOf(b) - this.costOf(a) || a.localeCompare(b));
  }

  private costOf(t: string): number {
    return this.cost.get(t) ?? UNKNOWN_SEC;
  }

  /**
   * The shard's previous chunk is over: its tests have verdicts except `giveBack`, which go to
   * the head of the queue (in the chunk's order). Tests it did not hold are ignored.
   */
  settle(shard: number, giveBack: readonly string[] = []): void {
    const chunk = this.running.get(shard);
    if (!chunk) return;
    this.running.delete(shard);
    const back = new Set(giveBack.filter((t) => chunk.tests.includes(t)));
    const held = this.held.get(shard);
    for (const t of back) held?.delete(t);
    this.pending.unshift(...chunk.tests.filter((t) => back.has(t)));
    this.done += chunk.tests.length - back.size;
  }

  /** A retried batch does not know how its chunk ended: the same chunk, to the same shard. */
  resume(shard: number): string[] | undefined {
    return this.running.get(shard)?.tests;
  }

  /**
   * A shard ended for good; `verdicts` are the tests its summary has (none: it failed). Returns
   * the tests it held without a verdict that no shard will run: the caller records them as errors.
   */
  leave(shard: number, verdicts: ReadonlySet<string> = new Set()): Map<string, number> {
    this.ended.add(shard);
    this.running.delete(shard);
    if (this.lister === shard && !this.listed) this.lister = undefined;
    const lost = [...(this.held.get(shard) ?? [])].filter((t) => !verdicts.has(t));
    this.held.delete(shard);
    for (const t of lost) this.requeued.set(t, shard);
    this.pending.unshift(...lost);
    return this.live() ? new Map<string, number>() : this.drain();
  }

  /** When no shard will pull again: what is still pending, with the shard that lost it (if any). */
  drain(): Map<string, number> {
    if (this.live()) return new Map<string, number>();
    const out = new Map(this.pending.map((t) => [t, this.requeued.get(t) ?? -1]));
    this.pending = [];
    return out;
  }

  private live(): boolean {
    return this.liveShards() > 0;
  }

  private liveShards(): number {
    let n = 0;
    for (let s = 0; s < this.shards; s++) if (!this.ended.has(s) && !this.toldDone.has(s)) n++;
    return n;
  }

  /**
   * Whether `shard` would be told to wait now (nothing changes): a shard told to wait asks again
   * only once this is false (a Query: no Update, no history event while it waits).
   */
  mustWait(shard: number): boolean {
    if (this.ended.has(shard)) return false;
    if (!this.listed) return this.lister !== undefined && this.lister !== shard;
    const others = [...this.running].filter(([s]) => s !== shard).map(([, c]) => c);
    const head = this.pending[0];
    if (head === undefined) return others.length > 0;
    if (others.some((c) => c.tests.some((t) => this.exclusive.has(t)))) return true;
    return this.exclusive.has(head) && others.length > 0;
  }

  /**
   * Before a shard boots a VM (nothing changes): `go` when it would list, resume, be handed tests
   * or be told to wait for a listing; `wait` when nothing is pending but another shard's chunk may
   * still give tests back; `done` when nothing is left for anyone.
   */
  peek(shard: number): 'go' | 'wait' | 'done' {
    if (this.ended.has(shard)) return 'done';
    if (!this.listed || this.running.has(shard) || this.pending.length > 0) return 'go';
    return [...this.running.keys()].some((s) => s !== shard) ? 'wait' : 'done';
  }

  /** What `shard` does next, at workflow time `now` (ms). Mutates only when it hands out. */
  next(shard: number, now = 0): Pull {
    if (this.ended.has(shard)) return { kind: 'done' };
    this.toldDone.delete(shard);
    if (!this.listed) {
      if (this.lister !== undefined && this.lister !== shard) return { kind: 'wait' };
      this.lister = shard;
      return { kind: 'list' };
    }
    const head = this.pending[0];
    if (head === undefined) {
      // A chunk still running may give tests back: only then is there nothing left for anyone.
      if ([...this.running.keys()].some((s) => s !== shard)) return { kind: 'wait' };
      this.toldDone.add(shard);
      return { kind: 'done' };
    }
    const others = [...this.running].filter(([s]) => s !== shard).map(([, c]) => c);
    // Head-of-line: an exclusive test waits for the others to drain, and nothing starts beside it.
    if (others.some((c) => c.tests.some((t) => this.exclusive.has(t)))) return { kind: 'wait' };
    if (this.exclusive.has(head)) {
      if (others.length > 0) return { kind: 'wait' };
      return this.hand(shard, [head], now);
    }
    return this.hand(shard, this.chunk(now), now);
  }

  /** The head, then the longest pending tests that still fit the chunk's share of the work. */
  private chunk(now: number): string[] {
    const left = [...this.running.values()].reduce(
      (sum, c) => sum + Math.max(0, c.cost - (now - c.at) / 1000),
      0,
    );
    const work = this.pending.reduce((sum, t) => sum + this.costOf(t), left);
    const c = this.allKnown ? this.c.known : this.c.unknown;
    let room = work / (c * Math.max(1, this.liveShards()));
    const out: string[] = [];
    for (const t of this.pending) {
      const cost = this.costOf(t);
      if (out.length > 0 && (cost > room || this.exclusive.has(t))) continue;
      out.push(t);
      room -= cost;
      if (room <= 0) break;
    }
    // Short of its share: the one test that brings the chunk closest to it, if any does (measured
    // times are whole seconds: for a share of 30.5, 21 + 5 + 5 beats 21 + 5).
    if (room > 0) {
      let best: string | undefined;
      for (const t of this.pending) {
        if (out.includes(t) || this.exclusive.has(t)) continue;
        const miss = Math.abs(room - this.costOf(t));
        if (miss < room && (best === undefined || miss < Math.abs(room - this.costOf(best)))) best = t;
      }
      if (best !== undefined) out.push(best);
    }
    // Crumbs: what would be left is cheaper to run now than another `check` start-up later.
    const rest = this.pending.filter((t) => !out.includes(t) && !this.exclusive.has(t));
    if (rest.reduce((sum, t) => sum + this.costOf(t), 0) <= TAIL_SEC) out.push(...rest);
    return out;
  }

  private hand(shard: number, tests: string[], now: number): Pull {
    const taken = new Set(tests);
    this.pending = this.pending.filter((t) => !taken.has(t));
    const cost = tests.reduce((sum, t) => sum + this.costOf(t), 0);
    this.running.set(shard, { tests, cost, at: now });
    const held = this.held.get(shard) ?? new Set<string>();
    for (const t of tests) held.add(t);
    this.held.set(shard, held);
    this.handOuts++;
    return { kind: 'tests', tests };
  }
}
