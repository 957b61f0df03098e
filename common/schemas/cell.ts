import { z } from 'zod';
import { ExpungeEntry } from './results';
import type { RunSpecInput } from './run';
import { TestName } from './tests';

// A matrix cell (fstestsCell): one config × kernel. It holds the cell's test queue, starts the
// cell's shard runs (they pull from it) and merges their results into a bounded MatrixRunResult.

export const CellInput = z.object({
  matrixId: z.string(),
  /** `<config>.k<kernel index>`: names the cell's queue in pull requests. */
  key: z.string(),
  config: z.string(),
  kernel: z.string(),
  /** The run every shard starts from (runSpecsOf's); the run validates it. */
  spec: z.custom<RunSpecInput>((v) => typeof v === 'object' && v !== null),
  expunge: z.array(ExpungeEntry).default([]),
  /** VMs that share the cell's tests; 1: one run lists and runs them all itself. */
  shards: z.number().int().min(1).max(16),
  /** Tests that run with no other test of the cell beside them. */
  exclusive: z.array(TestName).default([]),
  /** At most this many failing tests named in the result (the rest are counted). */
  failingCap: z.number().int().min(1).max(1000).default(100),
});
export type CellInput = z.input<typeof CellInput>;

/** How many failing tests each cell names, so that a matrix's result stays well under 2 MB. */
export function failingCapFor(cells: number): number {
  return Math.min(100, Math.max(10, Math.floor(2000 / Math.max(1, cells))));
}
