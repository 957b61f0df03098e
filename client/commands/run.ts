import type { Command } from 'commander';
import { stateDir } from '../../activities/settings';
import { WORKFLOW_QUEUE } from '../../common/queues';
import { addConnectionOptions } from '../server/connection';
import { DEFAULT_UI_PORT, devServerAddress, embeddedUiBase } from '../server/dev-server-argv';
import { bisectExit, EXIT } from '../core/exit-codes';
import { interruptName, onInterrupts } from '../core/interrupt';
import { handOffStart, localStartSocket } from '../run/local-start';
import { survivesLostTerminal } from '../core/lost-terminal';
import type { RunFlags } from '../run/run-flags';
import { prepareRuns } from '../run/run-prepare';
import type { NamedRun, RunCommandFlags } from '../run/run-session';
import { runWorkflowId, startedLines } from '../run/run-start';
import { loadUserDefaults } from '../core/user-config';

interface Flags extends RunFlags, RunCommandFlags {
  bisectExit?: boolean;
  devicesSpec?: string;
  expunge?: string;
}

const collect = (v: string, prev: string[]) => [...prev, v];

export function registerRunCommand(program: Command): void {
  const cmd = program
    .command('run')
    .summary('run fstests in throwaway VMs and print the verdicts (-c configs, smoke/quick/full)')
    .description(
      'run fstests against a kernel in throwaway VMs, durably, and print the verdicts\n' +
        'shorthands among the tests: smoke (default config, -g smoketest, SOAK_DURATION=3m), quick (-g quick),\n' +
        'full (-g auto on every config of the filesystem); several configs: one run each, started together',
    )
    .option(
      '-c, --configs <names>',
      'named configs, e.g. xfs/4k,ext4/1k, 4k, xfs, xfs/all (fsto configs)',
      collect,
      [],
    )
    .option(
      '--fs <fstyp>',
      'a filesystem with fstests defaults (no named config); with -c: the fs of bare names',
    )
    .option('--fstests <dir>', 'a built fstests tree (default: fstests in config.yaml)')
    .option('--kernel <image|dir>', 'a bzImage, or a kernel build tree (its bzImage and modules)')
    .option('--config <file>', 'your own fstests local.config, passed through (with --section)')
    .option('--section <name>', 'the section of --config to run')
    .option('-g, --group <group>', 'include a test group (repeatable, or a,b)', collect, [])
    .option('-x, --exclude <group>', 'exclude a test group (repeatable, or a,b)', collect, [])
    .option('-X, --exclude-test <test>', 'exclude a test (repeatable, or a,b)', collect, [])
    .option('-E, --exclude-file <file>', 'an fstests exclude file')
    .option('-C, --repeat <n>', 'run the selection N times in each VM (check -i); the worst verdict counts')
    .option('-i, --iterations <n>', 'same as -C')
    .option(
      '-L, --loop-on-fail <n>',
      'rerun a failing test N more times at once (check -L); every run is kept',
    )
    .option('--soak <duration>', "fstests' SOAK_DURATION for soak tests: 90, 3m, 2h")
    .option('--mkfs <options>', "MKFS_OPTIONS (over the config's)")
    .option('--mount <options>', "MOUNT_OPTIONS (over the config's)")
    .option('--var <KEY=VALUE>', 'another local.config variable (repeatable)', collect, [])
    .option(
      '--devices-profile <name>',
      'fstests_default (7x10G), fstests_small (7x5G), fstests_large (7x50G)',
    )
    .option('--devices-spec <file>', 'a device layout (YAML/JSON, as in fsto devices plan --spec)')
    .option('--tmpfs', 'back the devices with tmpfs')
    .option('--memory <size>', 'guest memory: MiB, or 4G (default 2048)')
    .option('--cpus <n>', 'guest CPUs (default 2)')
    .option('--accel <auto|kvm|tcg>', 'accelerator (default auto: KVM when it works)')
    .option('--append <param>', 'a kernel command-line parameter (repeatable)', collect, [])
    .option('--backend <qemu|vng>', 'VM backend (default qemu: boots faster than virtme-ng)')
    .option('--require-kvm', 'only a KVM-capable host may take this run')
    .option('--flaky-retries <n>', 're-run failed tests up to N times in a fresh VM')
    .option(
      '--max-vm-restarts <n>',
      'VMs in a row that may die before a test before the run stops (default 2)',
    )
    .option(
      '--host-loss-timeout <sec>',
      'a host silent this long is lost; the run claims another (default 300)',
    )
    .option('--hang-factor <k>', 'a test is hung after k × its last duration on this host (default 5)')
    .option('--hang-floor <sec>', 'never call a test hung before this many seconds (default 300)')
    .option('--hang-default <sec>', 'hang timeout of a test with no history on this host (default 1800)')
    .option('--expunge <file>', 'known failures (YAML list of { test, reason, kernelMin?, kernelMax? })')
    .option('--task-queue <queue>', 'workflow task queue (workers poll it)', WORKFLOW_QUEUE)
    .option('--json', 'print the run summary as JSON (several configs: a list)')
    .option('--junit <file>', 'write JUnit XML of the verdicts')
    .option(
      '--bisect-exit',
      'exit codes for `git bisect run`: 0 pass, 1 fail, 125 (skip) for an infrastructure error',
    )
    .argument('[tests...]', 'tests (generic/001 xfs/042) and shorthands (smoke, quick, full)');
  addConnectionOptions(cmd).action(async (words: string[], f: Flags & { iterations?: string }) => {
    const code = await runCommand({ ...f, repeat: f.repeat ?? f.iterations }, words);
    process.exitCode = f.bisectExit ? bisectExit(code) : code;
  });
}

async function runCommand(f: Flags, words: string[]): Promise<number> {
  // Validate before anything is started: no server, no worker, no device for a typo.
  const planned = await prepareRuns(f, words);
  if ('error' in planned) {
    console.error(`fsto run: ${planned.error}`);
    return EXIT.badInput;
  }
  const log = (l: string) => (f.json ? console.error(l) : console.log(l));
  // From here on a signal (Ctrl-C, SIGTERM, SIGHUP) cancels: before any run starts, none starts.
  survivesLostTerminal();
  const interrupts = onInterrupts([
    () => log(`\n${interruptName(interrupts.first!)}: stopping before any run starts`),
  ]);
  try {
    const runs = planned.runs.map((p) => ({ ...p, workflowId: runWorkflowId(p) }));
    const handed = await handOver(f, runs, () => Boolean(interrupts.first), log);
    // Loaded only now (the Temporal client, ~0.25 s): handed-over runs are claiming meanwhile.
    const { followRunCommand } = await import('../run/run-session');
    return await followRunCommand(f, runs, handed, interrupts, log);
  } finally {
    interrupts.settle();
  }
}

/**
 * The embedded default with `fsto up`'s worker serving it: that worker starts the runs (it has a
 * client connected), one after another until one is refused; the command starts the rest.
 */
async function handOver(
  f: Flags,
  runs: readonly NamedRun[],
  interrupted: () => boolean,
  log: (l: string) => void,
): Promise<Set<string>> {
  const handed = new Set<string>();
  if (f.address || f.taskQueue !== WORKFLOW_QUEUE) return handed;
  const server = (await loadUserDefaults()).server;
  const address = devServerAddress(server?.port);
  const socket = localStartSocket(stateDir());
  const ui = { base: embeddedUiBase(server?.uiPort ?? DEFAULT_UI_PORT), namespace: f.namespace };
  for (const r of runs) {
    if (interrupted()) break;
    const req = { ...r, taskQueue: f.taskQueue, address, namespace: f.namespace };
    if (!(await handOffStart(socket, req))) break;
    handed.add(r.workflowId);
    for (const l of startedLines(r.workflowId, r.label, ui)) log(l);
  }
  return handed;
}
