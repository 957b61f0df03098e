import type { BatchInput } from '../../common/schemas';
import { runTestBatch, type BatchDeps } from './batch';
import { translated } from '../failures';

/** fstests on the claimed host: batches of tests in VMs (the run's final collection is results/finish.ts). */
export function createFstestsActivities(deps: BatchDeps) {
  return translated({
    async runTestBatch(input: BatchInput) {
      return runTestBatch(input, deps);
    },
  });
}

export type FstestsActivities = ReturnType<typeof createFstestsActivities>;
