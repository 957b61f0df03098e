import { setHandler, sleep, workflowInfo } from '@temporalio/workflow';
import { matrixProgressQuery } from '../../common/queries';
import {
  matrixStatusOf,
  runSpecsOf,
  type MatrixProgress,
  type MatrixRunResult,
  type MatrixSpec,
  type MatrixSummary,
} from '../../common/schemas';

// A STAND-IN for the lead's fstestsMatrix (being written at the same time): same name, same
// argument, same query and result types, no VMs. It lets the CLI test exercise start, progress
// and exit codes against a real server and a real worker. A config named `bad` fails generic/002.
export async function fstestsMatrix(spec: MatrixSpec): Promise<MatrixSummary> {
  const plans = runSpecsOf(spec);
  const progress: MatrixProgress = {
    runs: plans.map((p) => ({ config: p.config, kernel: p.kernel, status: 'running', done: 0, total: 2 })),
    done: 0,
    total: plans.length * 2,
  };
  setHandler(matrixProgressQuery, () => progress);
  await sleep('3s');
  for (const r of progress.runs) r.done = 1;
  progress.done = plans.length;
  await sleep('3s');
  const runs: MatrixRunResult[] = plans.map((p) => {
    const bad = p.config === 'bad';
    return {
      config: p.config,
      kernel: p.kernel,
      workflowId: `${workflowInfo().workflowId}-${p.config}`,
      status: bad ? 'failed' : 'passed',
      tests: [
        { name: 'generic/001', verdict: 'pass', durationSec: 1 },
        { name: 'generic/002', verdict: bad ? 'fail' : 'pass', durationSec: 1 },
      ],
    };
  });
  return { workflowId: workflowInfo().workflowId, status: matrixStatusOf(runs), runs };
}
