import { expect } from 'vitest';
import { Context } from '@temporalio/activity';
import type { WorkflowHandle } from '@temporalio/client';
import { nextTestUpdate } from '../../common/queries';
import type {
  CellInput,
  MatrixRunResult,
  PullReply,
  PullRequest,
  RunSpecInput,
  RunSummary,
} from '../../common/schemas';
import type { fstestsCell } from '../../workflows';
import {
  scriptedBatch,
  startScriptedHost,
  type ScriptedBatch,
  type ScriptedHost,
  type Script,
} from '../helpers/scripted-host';
import { uniqueId } from '../helpers/temporal';

// What the cell tests share (cell, cell-lost, cell-budget, cell-stop, cell-epoch .test.ts): a scripted
// host for the real cell, run and matrix workflows on the real dev server, and the oracle.
// Pull accounting with the real cell, run and matrix workflows on the real dev server; the
// batch is the real pull loop with the guest replaced by a script (scripted-host.ts), so crashes,
// dead shards and dead workers play out in seconds. The oracle: the listing, and how many
// times each test ran in a guest, against every verdict the shards' own results hold.

export const names = (n: number, dir = 't') =>
  Array.from({ length: n }, (_, i) => `${dir}/${String(i + 1).padStart(2, '0')}`);

let host: ScriptedHost | undefined;
let guest: ScriptedBatch;

/** The host the running test started, and its scripted guest. */
export const cellHost = (): ScriptedHost => host!;
export const cellGuest = (): ScriptedBatch => guest;

let held: ScriptedHost | undefined;

/** For afterEach: stop the test's host. */
export async function stopCellHost(): Promise<void> {
  for (const h of [host, held]) await h?.stop();
  host = held = undefined;
}

export async function startCellHost(script: Script): Promise<ScriptedHost> {
  guest = scriptedBatch(script);
  return (host = await startScriptedHost(guest.run));
}

/** The cell `xfs.k0` of matrix `m-test` over `listing`. */
export const cellInput = (listing: string[], shards = 2, over: Partial<RunSpecInput> = {}): CellInput => ({
  matrixId: 'm-test',
  key: 'xfs.k0',
  config: 'xfs',
  kernel: 'host-newest',
  spec: { fstests: '/f', fs: 'xfs', tests: listing, ...over },
  shards,
  failingCap: 50,
});

/**
 * The real cell with 2 shards whose batches are held before they ask anything (they beat until
 * cancelled): the test asks the cell itself, as the shards' batches would. `end` terminates it all.
 */
export async function startHeldCell(
  prefix: string,
  listing: string[],
): Promise<{
  id: string;
  cell: WorkflowHandle;
  ask: (req: Omit<PullRequest, 'key'>) => Promise<PullReply>;
  end: () => Promise<void>;
}> {
  const host = await startScriptedHost(async () => {
    for (;;) {
      Context.current().heartbeat();
      await Context.current().sleep(300);
    }
  });
  held = host;
  const id = uniqueId(prefix);
  const cell = await host.client.workflow.start('fstestsCell', {
    taskQueue: host.workflowQueue,
    workflowId: id,
    args: [cellInput(listing)],
  });
  const ask = (req: Omit<PullRequest, 'key'>): Promise<PullReply> =>
    cell.executeUpdate(nextTestUpdate, { args: [{ key: 'xfs.k0', ...req }] });
  const end = async () => {
    for (const w of [id, `${id}.s0`, `${id}.s1`])
      await host.client.workflow
        .getHandle(w)
        .terminate('test over')
        .catch(() => undefined);
  };
  return { id, cell, ask, end };
}

export async function runCell(
  script: Script,
  shards = 2,
  over: Partial<RunSpecInput> = {},
): Promise<{ result: MatrixRunResult; verdicts: Map<string, string[]> }> {
  const host = await startCellHost(script);
  const id = uniqueId('cell');
  const result = await host.client.workflow.execute<typeof fstestsCell>('fstestsCell', {
    taskQueue: host.workflowQueue,
    workflowId: id,
    args: [cellInput(script.listing, shards, over)],
  });
  // Every verdict: the shards' results (those that ended with one) and the cell's own.
  const verdicts = new Map<string, string[]>();
  const add = (name: string, v: string) => verdicts.set(name, [...(verdicts.get(name) ?? []), v]);
  for (const s of result.shards) {
    const summary = (await host.client.workflow
      .getHandle(s.workflowId)
      .result()
      .catch(() => undefined)) as RunSummary | undefined;
    for (const t of summary?.tests ?? []) add(t.name, t.verdict);
  }
  for (const f of result.failing) if (f.workflowId === id) add(f.name, f.verdict);
  return { result, verdicts };
}

/** Each listed test has exactly one verdict, and nothing else has one. */
export function expectExactlyOnce(listing: string[], verdicts: Map<string, string[]>): void {
  expect([...verdicts.keys()].sort()).toEqual([...listing].sort());
  const twice = [...verdicts].filter(([, v]) => v.length !== 1);
  expect(twice).toEqual([]);
}
