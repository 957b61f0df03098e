import {
  capReason,
  type BatchInput,
  type BatchResult,
  type RunSpec,
  type TestResult,
} from '../common/schemas';
import { patched } from '@temporalio/workflow';
import type { RunState } from './run-state';

/**
 * Runs since this patch count a batch as progress when it gave a verdict of its own (finished or
 * blamed), not when the run's verdicts grew: every verdict already came by progress signal before
 * the batch's result, so a tainted batch seemed to add nothing and stopped a run after
 * maxVmRestarts survivable kernel problems. Older histories replay the old count.
 */
const STALL_BY_BATCH_VERDICTS = 'stall-by-batch-verdicts';

export type RunBatch = (input: BatchInput) => Promise<BatchResult>;
type BatchBase = Omit<BatchInput, 'label' | 'selection' | 'list'>;

/** The mark a crashed or hung batch leaves on the test it was running (unless the batch gave one). */
export function blame(r: BatchResult): TestResult | undefined {
  // A tainted batch's test has fstests' own verdict among its results.
  if (r.ended === 'completed' || r.ended === 'tainted' || !r.at) return undefined;
  if (r.finished.some((t) => t.name === r.at)) return undefined;
  return {
    name: r.at,
    verdict: r.ended,
    durationSec: 0,
    ...(r.crash ? { crashSignature: r.crash.signature, reason: capReason(r.crash.excerpt) } : {}),
    ...(r.ended === 'hung' ? { reason: 'no progress within its hang timeout; the VM was stopped' } : {}),
  };
}

/**
 * The verdict of a run whose VMs died outside any test (a panic at boot, during mkfs or the
 * listing): a pseudo-test `fsto/<phase>` that says where, named by the panic line.
 */
export function phaseVerdict(r: BatchResult, boots: number): TestResult {
  const phase = r.phase ?? 'check';
  const what =
    { hung: 'made no progress', tainted: 'logged a kernel problem' }[r.ended as string] ?? 'crashed';
  const line = r.crash?.signature ? `: ${r.crash.signature}` : '';
  return {
    name: `fsto/${phase}`,
    verdict: r.ended === 'hung' ? 'hung' : r.ended === 'tainted' ? 'fail' : 'crashed',
    durationSec: 0,
    ...(r.crash ? { crashSignature: r.crash.signature } : {}),
    reason: `the guest ${what} during ${phase}, before a test could run, in ${boots} VM(s) in a row${line}`,
  };
}

/** Take one batch's verdicts; true when it gave any (a batch that gave none is a stall). */
function absorb(state: RunState, r: BatchResult): boolean {
  const before = state.results.size;
  for (const t of r.finished) state.record(t);
  const culprit = blame(r);
  if (culprit) state.record(culprit);
  if (patched(STALL_BY_BATCH_VERDICTS)) return r.finished.length > 0 || culprit !== undefined;
  return state.results.size > before;
}

/** Tests that will not get a verdict from check: say why, never drop them. */
function giveUp(state: RunState, reason: string, unlisted: readonly string[] = []): void {
  const todo = state.listed ? state.remaining() : unlisted.filter((t) => !state.results.has(t));
  for (const t of todo) state.record({ name: t, verdict: 'error', durationSec: 0, reason });
}

/**
 * Run the selection to the end: a batch per VM boot. After a crash, a hang or a tainted kernel,
 * the culprit keeps its verdict and a fresh VM goes on with the tests not yet done, however many
 * in a row. A batch that gives no verdict (the guest died at boot, in mkfs, in the listing) is a stall: after
 * spec.maxVmRestarts stalls in a row the run stops and says where.
 */
export async function runAllTests(
  spec: RunSpec,
  base: BatchBase,
  state: RunState,
  runBatch: RunBatch,
  onBatch: (r: BatchResult) => void,
): Promise<void> {
  let stalls = 0;
  const wanted = {
    tests: spec.tests,
    groups: spec.groups,
    excludeGroups: spec.excludeGroups,
    ...(spec.excludeTests.length ? { excludeTests: spec.excludeTests } : {}),
    excludeFile: spec.excludeFile,
  };
  for (let n = 1; ; n++) {
    const first = state.listed === undefined;
    // A matrix shard pulls its tests from its cell; a run lists once, then runs what is left.
    const selection =
      spec.pull || first
        ? wanted
        : { tests: state.remaining(), groups: [], excludeGroups: [], excludeFile: spec.excludeFile };
    if (!spec.pull && !first && selection.tests.length === 0) return;
    const r = await runBatch({
      ...base,
      label: spec.pull ? `shard-${n}` : `main-${n}`,
      selection,
      list: !spec.pull && first,
      ...(spec.pull ? { pull: spec.pull } : {}),
    });
    if (r.listed && !state.listed) {
      state.listed = r.listed;
      state.expectedSec = r.expectedSec ?? {};
    }
    onBatch(r);
    const progressed = absorb(state, r);
    if (r.ended === 'completed') {
      giveUp(state, 'check ended without running it');
      return;
    }
    stalls = progressed ? 0 : stalls + 1;
    if (stalls <= spec.maxVmRestarts) continue;
    const stop = phaseVerdict(r, stalls);
    state.record(stop);
    // Never listed (the guest died first): the tests named in the spec are all we know of.
    giveUp(state, `not run: ${stop.reason}`, spec.pull ? [] : spec.tests);
    return;
  }
}

/**
 * Re-run failed tests in a fresh VM per round; one that passes is flaky, with its attempt count.
 * A matrix shard retries its own failures too: its retry batches name their tests and never pull.
 */
export async function retryFailures(
  spec: RunSpec,
  { pull: _pull, ...base }: BatchBase,
  state: RunState,
  runBatch: RunBatch,
): Promise<void> {
  for (let round = 1; round <= spec.flakyRetries; round++) {
    const failing = [...state.results.values()].filter((t) => t.verdict === 'fail').map((t) => t.name);
    if (failing.length === 0) return;
    const r = await runBatch({
      ...base,
      label: `retry-${round}`,
      selection: { tests: failing, groups: [], excludeGroups: [], excludeFile: undefined },
      list: false,
    });
    for (const t of r.finished) {
      if (t.verdict !== 'pass') continue;
      const before = state.results.get(t.name);
      state.record({
        ...t,
        flakyAttempts: round + 1,
        reason: `flaky: failed ${round} time(s), then passed${before?.reason ? `; first failure: ${before.reason}` : ''}`,
      });
    }
  }
}
