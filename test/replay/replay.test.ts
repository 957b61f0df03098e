import { fileURLToPath } from 'node:url';
import { bundleWorkflowCode, Worker } from '@temporalio/worker';
import { DeterminismViolationError } from '@temporalio/workflow';
import { describe, expect, inject, it } from 'vitest';
import { loadHistories } from './histories';

const quiet = { trace() {}, debug() {}, info() {}, warn() {}, error() {}, log() {} };

// Recorded histories of real runs (npm run record-history) must replay against today's
// workflow code: a change that would break running workflows fails here first.
describe('replay', () => {
  it('every recorded history replays against the current workflows', async () => {
    const histories = await loadHistories();
    expect(histories.length).toBeGreaterThan(0);
    const results = Worker.runReplayHistories(
      { workflowBundle: { codePath: inject('workflowBundlePath') } },
      histories,
    );
    for await (const r of results) expect(r.error, `${r.workflowId}: ${String(r.error)}`).toBeUndefined();
  });

  it('a workflow whose command sequence changed incompatibly fails with a determinism error', async () => {
    const first = (await loadHistories()).find((h) => h.type === 'fstestsRun');
    expect(first, 'a recorded fstestsRun history').toBeDefined();
    const workflowsPath = fileURLToPath(new URL('./incompatible/index.ts', import.meta.url));
    const bundle = await bundleWorkflowCode({ workflowsPath, logger: quiet });
    const err = await Worker.runReplayHistory({ workflowBundle: bundle }, first!.history).catch(
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(DeterminismViolationError);
    expect(String(err)).toMatch(/[Nn]ondeterminism/);
  }, 60_000);
});
