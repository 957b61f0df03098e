import { describe, expect, it } from 'vitest';
import { cellCounts } from '../../client/matrix/matrix-cells';
import type { CellProgress } from '../../common/schemas';

const cell = (o: Partial<CellProgress>): CellProgress => ({
  status: 'running',
  total: 0,
  settled: 0,
  shards: [{ workflowId: 'c.s0' }],
  handOuts: 0,
  ...o,
});

// What `fsto matrix` shows for a running cell. The figures are what each workflow's own query
// would answer; the rule under test is only how they add up.
describe('cellCounts', () => {
  it('a sharded cell: its listing is the total; ended shards settled, live ones count their own', () => {
    const c = cell({
      total: 40,
      settled: 12,
      shards: [{ workflowId: 'c.s0', verdicts: 12 }, { workflowId: 'c.s1' }],
    });
    expect(cellCounts(c, [{ done: 5, total: 9 }])).toEqual({ done: 17, total: 40 });
  });

  it('a cell of one shard hands nothing out: the total is its run’s own listing', () => {
    expect(cellCounts(cell({}), [{ done: 3, total: 25 }])).toEqual({ done: 3, total: 25 });
    expect(cellCounts(cell({}), [undefined])).toEqual({ done: 0, total: 0 }); // not started yet
  });
});
