import { readdir, readFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { MatrixSpecInput, RunSummary } from '../../common/schemas';
import type { fstestsMatrix } from '../../workflows';
import { fstoWorkers } from '../helpers/fsto-workers';
import { uniqueId } from '../helpers/temporal';
import { handOuts, pullsOf, type PullEvent } from './cell-history';
import { FIXTURE, SMALL_DEVICES } from './fixture';
import { leftovers, NOTHING_LEFT } from './leaks';

// Issue 19's must-show: a worker restarted while its shard waits in the cell. One config × 2
// shards on one real `fsto worker` (2 VM slots); fixture/006 hangs and is `exclusive`, so while
// one shard runs it the other waits in the cell (its nextTest Update pending). Then the worker
// is SIGKILLed and another started. The oracle is the server's history of the cell (every test
// handed out, none left pending or stranded), the shards' own results (exactly one verdict per
// test, as the fixture's expected file has it) and the guests' consoles on the host: `check`
// writes "run fstests <test> at" to the kernel log as each test starts, so no test but the one
// the kill cut off may start twice. A chunk may be handed out again when its VM was stopped before
// its test started (under heavy TCG load a guest's RCU-stall report does that, and the run then
// boots a fresh VM): that is a re-run of nothing, which the consoles tell apart from a test run
// twice.

const TESTS = ['fixture/001', 'fixture/002', 'fixture/003', 'fixture/006', 'fixture/008'];
const ORACLE: Record<string, string> = {
  'fixture/001': 'pass',
  'fixture/002': 'pass',
  'fixture/003': 'pass',
  'fixture/006': 'hung',
  'fixture/008': 'fail',
};

/** How often each test started in a guest, from the consoles' "run fstests <test> at" lines. */
async function guestStarts(runDir: string): Promise<Map<string, number>> {
  const count = new Map<string, number>();
  const entries = await readdir(runDir, { withFileTypes: true }).catch(() => []);
  for (const e of entries.filter((x) => x.isFile() && /^vm-.*\.console\.log$/.test(x.name))) {
    const text = await readFile(join(runDir, e.name), 'utf8');
    for (const m of text.matchAll(/run fstests (\S+) at /g)) count.set(m[1]!, (count.get(m[1]!) ?? 0) + 1);
  }
  return count;
}

describe('a worker restarted while its shard waits in the cell', () => {
  const workers = fstoWorkers('restart-cell', ['--vm-slots', '2']);

  it('strands no chunk and runs no test twice (from the server history)', async () => {
    const first = workers.start();
    const spec: MatrixSpecInput = {
      name: 'restart',
      fstests: FIXTURE,
      configs: [{ name: 'xfs', fs: 'xfs', devices: SMALL_DEVICES }],
      tests: TESTS,
      shards: 2,
      exclusive: ['fixture/006'],
      hang: { floorSec: 40, factor: 5, defaultSec: 40 },
    };
    const matrixId = uniqueId('e2e-restart-cell');
    const handle = await workers.env.client.workflow.start<typeof fstestsMatrix>('fstestsMatrix', {
      taskQueue: workers.queue,
      workflowId: matrixId,
      args: [spec],
    });
    const cell = workers.env.client.workflow.getHandle(`${matrixId}.xfs.k0`);

    // Wait until one shard holds 006 and the other's request waits in the cell.
    const waitingBeside006 = (pulls: PullEvent[]) => {
      const last = new Map<number, PullEvent>();
      for (const p of pulls) last.set(p.req.shard, p);
      const runs006 = [...last.values()].find(
        (p) => p.reply?.kind === 'tests' && p.reply.tests.includes('fixture/006'),
      );
      const waits = [...last.values()].find((p) => p.reply === undefined);
      return runs006 && waits && runs006.req.shard !== waits.req.shard;
    };
    const end = Date.now() + 400_000;
    for (;;) {
      const pulls = pullsOf(await cell.fetchHistory().catch(() => ({ events: [] })));
      if (waitingBeside006(pulls)) break;
      if (Date.now() > end) throw new Error(`no shard waited beside 006: ${JSON.stringify(pulls)}`);
      await new Promise((r) => setTimeout(r, 1000));
    }
    first.kill('SIGKILL');
    await first;
    void workers.start(); // awaited in afterAll

    const summary = await handle.result();
    const run = summary.runs[0]!;
    const pulls = pullsOf(await cell.fetchHistory());
    // Every test handed out; no Update left pending; nothing stranded or marked lost.
    expect([...handOuts(pulls).keys()].sort()).toEqual([...TESTS].sort());
    expect(pulls.filter((p) => p.reply === undefined)).toEqual([]);
    expect([run.listed, run.tests]).toEqual([TESTS.length, TESTS.length]);
    // Exactly one verdict per test over the shards' own results, each the oracle's.
    const shards = await Promise.all(
      run.shards.map(
        (s) => workers.env.client.workflow.getHandle(s.workflowId).result() as Promise<RunSummary>,
      ),
    );
    const all = shards.flatMap((s) => s.tests);
    expect(all.map((t) => t.name).sort()).toEqual([...TESTS].sort());
    expect(Object.fromEntries(all.map((t) => [t.name, t.verdict]))).toEqual(ORACLE);
    for (const t of all) expect(t.reason ?? '', t.name).not.toMatch(/ended without a verdict|not run:/);
    // No test started twice in a guest but the one the kill interrupted (006: no verdict then).
    const started = new Map<string, number>();
    for (const s of shards)
      for (const [t, n] of await guestStarts(dirname(s.resultsDir)))
        started.set(t, (started.get(t) ?? 0) + n);
    expect(Object.fromEntries(started)).toEqual({
      ...Object.fromEntries(TESTS.map((t) => [t, 1])),
      'fixture/006': started.get('fixture/006') ?? 0,
    });
    expect(started.get('fixture/006')).toBeGreaterThanOrEqual(1);
    expect(started.get('fixture/006')).toBeLessThanOrEqual(2);
    for (const s of run.shards) expect(await leftovers(workers.stateDir, s.workflowId)).toEqual(NOTHING_LEFT);
  }, 900_000);
});
