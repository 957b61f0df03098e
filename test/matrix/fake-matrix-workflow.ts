import { executeChild, setHandler, sleep, workflowInfo } from '@temporalio/workflow';
import { cellProgressQuery, matrixProgressQuery, progressQuery } from '../../common/queries';
import {
  matrixStatusOf,
  runSpecsOf,
  type CellProgress,
  type MatrixProgress,
  type MatrixRunResult,
  type MatrixSpec,
  type MatrixSummary,
  type RunProgress,
  type RunSummary,
} from '../../common/schemas';
import { mergeCell } from '../../workflows/matrix-merge';

// STAND-INS for fstestsMatrix, fstestsCell and fstestsRun: same names, arguments, queries and
// result types as the real ones, no VMs. They let the CLI test exercise start, live progress
// (the matrix names its cells; a cell names its shards; a live shard answers `progress`), the
// summary and exit codes against a real server and a real worker. A config named `bad` fails
// generic/002.

export async function fstestsMatrix(spec: MatrixSpec): Promise<MatrixSummary> {
  const id = workflowInfo().workflowId;
  const plans = runSpecsOf(spec);
  const progress: MatrixProgress = {
    runs: plans.map((p) => ({
      config: p.config,
      kernel: p.kernel,
      status: 'running',
      workflowId: `${id}.${p.config}`,
      done: 0,
      total: 0,
    })),
    done: 0,
    total: 0,
  };
  setHandler(matrixProgressQuery, () => progress);
  const runs = await Promise.all(
    plans.map((p) =>
      executeChild(fstestsCell, { workflowId: `${id}.${p.config}`, args: [p.config, p.kernel] }),
    ),
  );
  return { workflowId: id, status: matrixStatusOf(runs), runs };
}

export async function fstestsCell(config: string, kernel: string): Promise<MatrixRunResult> {
  const cellId = workflowInfo().workflowId;
  const shard = `${cellId}.s0`;
  const cell: CellProgress = {
    status: 'running',
    total: 2,
    settled: 0,
    shards: [{ workflowId: shard }],
    handOuts: 1,
  };
  setHandler(cellProgressQuery, () => cell);
  const summary = await executeChild(fstestsRun, { workflowId: shard, args: [config === 'bad'] });
  const result = mergeCell({
    config,
    kernel,
    cellId,
    listed: 2,
    shards: [{ workflowId: shard, summary }],
    own: [],
    failingCap: 10,
  });
  return result;
}

export async function fstestsRun(bad: boolean): Promise<RunSummary> {
  const p: RunProgress = { phase: 'testing', done: 0, total: 2, finished: [] };
  setHandler(progressQuery, () => p);
  await sleep('3s');
  p.done = 1;
  await sleep('3s');
  return {
    workflowId: workflowInfo().workflowId,
    status: bad ? 'failed' : 'passed',
    resultsDir: '/nonexistent',
    hostId: 'fake',
    tests: [
      { name: 'generic/001', verdict: 'pass', durationSec: 1 },
      { name: 'generic/002', verdict: bad ? 'fail' : 'pass', durationSec: 1, reason: 'output mismatch' },
    ],
  };
}
