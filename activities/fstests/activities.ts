import type { BatchInput } from '../../common/schemas';
import { runTestBatch, type BatchDeps } from './batch';
import { finishRun, type FinishInput } from './finish';

/** fstests on the claimed host: batches of tests in VMs, and the run's final collection. */
export function createFstestsActivities(deps: BatchDeps) {
  return {
    async runTestBatch(input: BatchInput) {
      return runTestBatch(input, deps);
    },
    async finishRun(input: FinishInput) {
      return finishRun(input);
    },
  };
}

export type FstestsActivities = ReturnType<typeof createFstestsActivities>;
