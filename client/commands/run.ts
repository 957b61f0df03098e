import { resolve } from 'node:path';
import type { Command } from 'commander';
import { describeZodError } from '../../common/errors';
import { WORKFLOW_QUEUE } from '../../common/queues';
import { RunSpec, type RunSpecInput } from '../../common/schemas';
import { SA_FS_CONFIG } from '../../common/search-attributes';
import { uiLink } from '../dev-server-argv';
import { addConnectionOptions, type ConnectOpts } from '../connection';
import { EXIT } from '../exit-codes';
import { followRun } from '../follow-run';
import { openSession } from '../temporal';
import { withEmbeddedWorker } from '../embedded-worker';
import { runId } from '../run-id';

interface RunFlags extends ConnectOpts {
  fstests: string;
  fs: string;
  kernel?: string;
  group: string[];
  exclude: string[];
  excludeFile?: string;
  requireKvm?: boolean;
  flakyRetries?: string;
  hangFloor?: string;
  hangFactor?: string;
  hangDefault?: string;
  iterations?: string;
  backend?: string;
  json?: boolean;
  junit?: string;
  taskQueue: string;
}

const collect = (v: string, prev: string[]) => [...prev, v];

/** The hang policy flags given (RunSpec fills the others with its defaults). */
function hangFromFlags(f: RunFlags): RunSpecInput['hang'] | undefined {
  const hang = {
    ...(f.hangFloor !== undefined ? { floorSec: Number(f.hangFloor) } : {}),
    ...(f.hangFactor !== undefined ? { factor: Number(f.hangFactor) } : {}),
    ...(f.hangDefault !== undefined ? { defaultSec: Number(f.hangDefault) } : {}),
  };
  return Object.keys(hang).length ? hang : undefined;
}

/** Flags → a run spec; paths made absolute so the workflow (and the host) see what the user meant. */
export function specFromFlags(f: RunFlags, tests: string[]): RunSpecInput {
  return {
    fstests: resolve(f.fstests),
    fs: f.fs,
    ...(f.kernel ? { kernel: resolve(f.kernel) } : {}),
    tests,
    groups: f.group,
    excludeGroups: f.exclude,
    ...(f.excludeFile ? { excludeFile: resolve(f.excludeFile) } : {}),
    ...(f.requireKvm ? { requireKvm: true } : {}),
    ...(f.flakyRetries !== undefined ? { flakyRetries: Number(f.flakyRetries) } : {}),
    ...(hangFromFlags(f) ? { hang: hangFromFlags(f) } : {}),
    ...(f.iterations !== undefined ? { iterations: Number(f.iterations) } : {}),
    // Unknown names reach RunSpec as they are, so zod's error names the field and the choices.
    ...(f.backend ? { vm: { backend: f.backend as 'qemu' | 'vng' } } : {}),
  };
}

export function registerRunCommand(program: Command): void {
  const cmd = program
    .command('run')
    .description('run fstests against a kernel in throwaway VMs, durably, and print the verdicts')
    .requiredOption('--fstests <dir>', 'a built fstests tree (the directory holding ./check)')
    .requiredOption('--fs <fstyp>', 'filesystem type: xfs, ext4, btrfs, …')
    .option('--kernel <image>', "kernel image (default: the host's newest /boot/vmlinuz-*)")
    .option('-g, --group <group>', 'include a test group (repeatable)', collect, [])
    .option('-x, --exclude <group>', 'exclude a test group (repeatable)', collect, [])
    .option('-E, --exclude-file <file>', 'an fstests exclude file')
    .option('--require-kvm', 'only a KVM-capable host may take this run')
    .option('--flaky-retries <n>', 're-run failed tests up to N times in a fresh VM')
    .option('--hang-factor <k>', 'a test is hung after k × its last duration on this host (default 5)')
    .option('--hang-floor <sec>', 'never call a test hung before this many seconds (default 300)')
    .option('--hang-default <sec>', 'hang timeout of a test with no history on this host (default 1800)')
    .option('-i, --iterations <n>', 'run the selection N times (check -i); the worst verdict counts')
    .option('--backend <vng|qemu>', 'VM backend (default qemu: boots faster than virtme-ng)')
    .option('--task-queue <queue>', 'workflow task queue (workers poll it)', WORKFLOW_QUEUE)
    .option('--json', 'print the run summary as JSON')
    .option('--junit <file>', 'write JUnit XML of the verdicts')
    .argument('[tests...]', 'tests, e.g. generic/001 xfs/042');
  addConnectionOptions(cmd).action(async (tests: string[], f: RunFlags) => {
    process.exitCode = await runCommand(f, tests);
  });
}

async function runCommand(f: RunFlags, tests: string[]): Promise<number> {
  // Validate before anything is started: no server, no worker, no device for a typo.
  const parsed = RunSpec.safeParse(specFromFlags(f, tests));
  if (!parsed.success) {
    console.error(`fsto run: invalid input:\n${describeZodError(parsed.error, RunSpec)}`);
    return EXIT.badInput;
  }
  const log = (l: string) => (f.json ? console.error(l) : console.log(l));
  const session = await openSession(f);
  try {
    const inProcessWorker = Boolean(session.embedded);
    const run = async () => {
      const workflowId = runId(parsed.data.fs);
      const handle = await session.client.workflow.start('fstestsRun', {
        taskQueue: f.taskQueue,
        workflowId,
        args: [parsed.data],
        typedSearchAttributes: [{ key: SA_FS_CONFIG, value: parsed.data.fs }],
        staticSummary: `fstests ${parsed.data.fs}: ${tests.join(' ') || parsed.data.groups.map((g) => `-g ${g}`).join(' ') || 'all'}`,
        staticDetails: `fstests: ${parsed.data.fstests}\nkernel: ${parsed.data.kernel ?? '(host newest)'}`,
      });
      log(`run ${workflowId} started`);
      if (session.uiBase)
        log(`Temporal UI: ${uiLink(session.embedded?.uiPort ?? 8233, session.namespace, workflowId)}`);
      return followRun(handle, { json: f.json, junit: f.junit, log, inProcessWorker });
    };
    return await withEmbeddedWorker(session, run, {
      announce: log,
      ownSignals: true,
      taskQueue: f.taskQueue,
    });
  } finally {
    await session.close();
  }
}
