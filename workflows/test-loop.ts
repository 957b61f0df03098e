import type { BatchInput, BatchResult, RunSpec, TestResult } from '../common/schemas';
import type { RunState } from './run-state';

export type RunBatch = (input: BatchInput) => Promise<BatchResult>;

/** The mark a crashed or hung batch leaves on the test it was running. */
export function blame(r: BatchResult): TestResult | undefined {
  // A tainted batch's test has fstests' own verdict (fail by _check_dmesg) among its results.
  if (r.ended === 'completed' || r.ended === 'tainted' || !r.at) return undefined;
  return {
    name: r.at,
    verdict: r.ended,
    durationSec: 0,
    ...(r.crash ? { crashSignature: r.crash.signature, reason: r.crash.excerpt.slice(0, 2000) } : {}),
    ...(r.ended === 'hung' ? { reason: 'no progress within its hang timeout; the VM was stopped' } : {}),
  };
}

/**
 * Run the selection to the end: a batch per VM boot; after a crash or hang, mark the culprit and
 * boot a fresh VM for the tests not yet done, at most spec.maxVmRestarts times.
 */
export async function runAllTests(
  spec: RunSpec,
  base: Omit<BatchInput, 'label' | 'selection' | 'list'>,
  state: RunState,
  runBatch: RunBatch,
  onBatch: (r: BatchResult) => void,
): Promise<void> {
  let restarts = 0;
  for (let n = 1; ; n++) {
    if (spec.pull) {
      // A matrix shard: the matrix hands out the tests; a batch ends when it says done.
      const selection = {
        tests: spec.tests,
        groups: spec.groups,
        excludeGroups: spec.excludeGroups,
        excludeFile: spec.excludeFile,
      };
      const r = await runBatch({ ...base, label: `shard-${n}`, selection, list: false, pull: spec.pull });
      onBatch(r);
      for (const t of r.finished) state.record(t);
      const culprit = blame(r);
      if (culprit) state.record(culprit);
      if (r.ended === 'completed' || ++restarts > spec.maxVmRestarts) return;
      continue;
    }
    const first = state.listed === undefined;
    const selection = first
      ? {
          tests: spec.tests,
          groups: spec.groups,
          excludeGroups: spec.excludeGroups,
          excludeFile: spec.excludeFile,
        }
      : { tests: state.remaining(), groups: [], excludeGroups: [], excludeFile: spec.excludeFile };
    if (!first && selection.tests.length === 0) return;
    const r = await runBatch({ ...base, label: `main-${n}`, selection, list: first });
    if (r.listed) {
      state.listed = r.listed;
      state.expectedSec = r.expectedSec ?? {};
    }
    onBatch(r);
    for (const t of r.finished) state.record(t);
    const culprit = blame(r);
    if (culprit) state.record(culprit);
    if (r.ended === 'completed') {
      // check ended without a verdict for these (e.g. it aborted): say so, do not drop them.
      for (const t of state.remaining()) {
        state.record({ name: t, verdict: 'error', durationSec: 0, reason: 'check ended without running it' });
      }
      return;
    }
    if (++restarts > spec.maxVmRestarts) {
      for (const t of state.remaining()) {
        state.record({
          name: t,
          verdict: 'error',
          durationSec: 0,
          reason: `not run: gave up after ${spec.maxVmRestarts} VM restarts`,
        });
      }
      return;
    }
  }
}

/** Re-run failed tests in a fresh VM per round; one that passes is flaky, with its attempt count. */
export async function retryFailures(
  spec: RunSpec,
  base: Omit<BatchInput, 'label' | 'selection' | 'list'>,
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
