import { PRIORITY } from '../../common/priority';
import { resolve } from 'node:path';
import type { Command } from 'commander';
import { describeZodError, failureKind } from '../../common/errors';
import { WORKFLOW_QUEUE } from '../../common/queues';
import { BisectSpec, type BisectSpecInput } from '../../common/schemas';
import { addConnectionOptions, type ConnectOpts } from '../server/connection';
import { uiLink } from '../../common/ui-link';
import { withEmbeddedWorker } from '../worker/embedded-worker';
import { EXIT, exitCodeForFailure } from '../core/exit-codes';
import { onInterrupts } from '../core/interrupt';
import { prepareRuns } from '../run/run-prepare';
import { runId } from '../core/run-id';
import { openSession } from '../server/temporal';
import { resultText, watchBisect } from '../bisect/bisect-watch';
import { BISECT_WORKFLOW, type BisectWorkflow } from '../core/workflow-names';

// fsto bisect: which commit of a kernel tree made tests fail (workflows/bisect.ts).

interface Flags extends ConnectOpts {
  tree: string;
  good: string;
  bad: string;
  configs: string[];
  fs?: string;
  fstests?: string;
  kconfig?: string;
  fragment: string[];
  runs: string;
  devicesProfile?: string;
  json?: boolean;
  taskQueue: string;
}

const collect = (v: string, prev: string[]) => [...prev, v];

export function registerBisectCommand(program: Command): void {
  const cmd = program
    .command('bisect')
    .summary('find the commit of a kernel tree that made tests fail (builds each step, cached)')
    .requiredOption('--tree <dir>', 'the kernel git tree')
    .requiredOption('--good <ref>', 'a commit where the tests pass')
    .requiredOption('--bad <ref>', 'a commit where they fail')
    .option('-c, --configs <name>', 'the fstests config (one), as fsto run -c', collect, [])
    .option('--fs <fstyp>', 'a filesystem with fstests defaults')
    .option('--fstests <dir>', 'a built fstests tree (default: fstests in config.yaml)')
    .option('--kconfig <name|file>', 'kernel config: a defconfig target or a .config file')
    .option('--fragment <file>', 'a kernel config fragment merged over it (repeatable)', collect, [])
    .option('--runs <n>', 'run the tests up to N times on each commit for a pass (flaky tests)', '1')
    .option('--devices-profile <name>', 'fstests_default, fstests_small, fstests_large')
    .option('--json', 'print the result as JSON')
    .option('--task-queue <queue>', 'workflow task queue', WORKFLOW_QUEUE)
    .argument('<tests...>', 'the tests that tell good from bad');
  addConnectionOptions(cmd).action(async (tests: string[], f: Flags) => {
    process.exitCode = await bisectCommand(f, tests);
  });
}

async function bisectCommand(f: Flags, tests: string[]): Promise<number> {
  const planned = await prepareRuns(
    { ...f, group: [], exclude: [], excludeTest: [], var: [], append: [] },
    tests,
  );
  if ('error' in planned || planned.runs.length !== 1) {
    console.error(`fsto bisect: ${'error' in planned ? planned.error : 'give one config (-c)'}`);
    return EXIT.badInput;
  }
  const { kernel: _k, ...run } = planned.runs[0]!.spec;
  const input: BisectSpecInput = {
    tree: resolve(f.tree),
    good: f.good,
    bad: f.bad,
    ...(f.kconfig ? { config: f.kconfig.includes('/') ? resolve(f.kconfig) : f.kconfig } : {}),
    fragments: f.fragment.map((x) => resolve(x)),
    runs: Number(f.runs),
    run,
  };
  const parsed = BisectSpec.safeParse(input);
  if (!parsed.success) {
    console.error(`fsto bisect: invalid input:\n${describeZodError(parsed.error, BisectSpec)}`);
    return EXIT.badInput;
  }
  const log = (l: string) => (f.json ? console.error(l) : console.log(l));
  const session = await openSession(f);
  try {
    return await withEmbeddedWorker(session, async () => {
      const workflowId = runId('bisect');
      const handle = await session.client.workflow.start<BisectWorkflow>(BISECT_WORKFLOW, {
        taskQueue: f.taskQueue,
        workflowId,
        args: [input],
        staticSummary: `fsto bisect ${f.good}..${f.bad} of ${input.tree}: ${tests.join(' ')}`,
        priority: PRIORITY.bisect,
      });
      log(`bisection ${workflowId} started`);
      if (session.uiBase) log(`Temporal UI: ${uiLink(session.uiBase, session.namespace, workflowId)}`);
      const interrupts = onInterrupts([
        () => {
          log('cancelling the bisection (its running step releases its VM and devices)');
          void handle.cancel();
        },
      ]);
      const end = await watchBisect(handle, log).finally(() => interrupts.settle());
      if (end.kind === 'failed') {
        console.error(`bisection ${workflowId} failed: ${end.message}`);
        return interrupts.exitCode ?? exitCodeForFailure(failureKind(end.error));
      }
      console.log(f.json ? JSON.stringify(end.result, null, 2) : resultText(end.result));
      return end.result.firstBad ? EXIT.ok : EXIT.testsFailed;
    });
  } finally {
    await session.close();
  }
}
