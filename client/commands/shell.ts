import type { Command } from 'commander';
import { GUEST } from '../../activities/fstests/guest-layout';
import { probeCapabilities } from '../../activities/host/capabilities';
import { hostId } from '../../activities/settings';
import { failureKind, rootMessage } from '../../common/errors';
import { EXIT, exitCodeForFailure } from '../core/exit-codes';
import { endBy } from '../core/interrupt';
import { survivesLostTerminal } from '../core/lost-terminal';
import type { RunFlags } from '../run/run-flags';
import { prepareRuns } from '../run/run-prepare';
import { openShell } from '../shell/shell-session';
import { bridge, connectShell, guestShellArgv } from '../shell/shell-terminal';

const collect = (v: string, prev: string[]) => [...prev, v];

export function registerShellCommand(program: Command): void {
  program
    .command('shell')
    .summary("an interactive shell in a guest with a run's devices and local.config")
    .description(
      "an interactive shell in a guest with a run's devices attached and local.config in place\n" +
        '(in the fstests tree: ./check generic/001 runs as by hand); exit releases everything',
    )
    .option('-c, --configs <name>', 'one named config (fsto configs)', collect, [])
    .option('--fs <fstyp>', 'a filesystem with fstests defaults')
    .option('--fstests <dir>', 'a built fstests tree (default: fstests in config.yaml)')
    .option('--kernel <image|dir>', 'a bzImage, or a kernel build tree')
    .option('--config <file>', 'your own local.config (with --section)')
    .option('--section <name>', 'the section of --config')
    .option('--mkfs <options>', 'MKFS_OPTIONS')
    .option('--mount <options>', 'MOUNT_OPTIONS')
    .option('--var <KEY=VALUE>', 'another local.config variable (repeatable)', collect, [])
    .option('--devices-profile <name>', 'fstests_default, fstests_small, fstests_large')
    .option('--devices-spec <file>', 'a device layout (YAML/JSON)')
    .option('--tmpfs', 'back the devices with tmpfs')
    .option('--memory <size>', 'guest memory: MiB, or 4G')
    .option('--cpus <n>', 'guest CPUs')
    .option('--append <param>', 'a kernel command-line parameter (repeatable)', collect, [])
    .action(
      async (
        f: Partial<RunFlags> & { configs: string[]; var: string[]; append: string[]; devicesSpec?: string },
      ) => {
        process.exitCode = await shellCommand(f);
      },
    );
}

async function shellCommand(
  f: Partial<RunFlags> & { configs: string[]; var: string[]; append: string[]; devicesSpec?: string },
): Promise<number> {
  const planned = await prepareRuns({ group: [], exclude: [], excludeTest: [], ...f, backend: 'qemu' }, []);
  if ('error' in planned) {
    console.error(`fsto shell: ${planned.error}`);
    return EXIT.badInput;
  }
  if (planned.runs.length !== 1) {
    console.error(`fsto shell: one config at a time (${planned.runs.map((r) => r.label).join(', ')})`);
    return EXIT.badInput;
  }
  const [{ spec, label }] = planned.runs as [(typeof planned.runs)[0]];
  const log = (l: string) => console.error(`fsto shell: ${l}`);
  const caps = await probeCapabilities({ hostId: hostId(), kvm: false });
  // Refused input (a config the host's checks refuse, a kernel that is not one) is bad input: exit 2.
  const session = await openShell(spec, { log, vmSlots: caps.vmSlots }).catch((err: unknown) => {
    log(rootMessage(err));
    return exitCodeForFailure(failureKind(err));
  });
  if (typeof session === 'number') return session;
  let closing: Promise<void> | undefined;
  const close = () => (closing ??= session.close());
  // SIGTERM, or the terminal closed (SIGHUP): release everything, then end as the signal asked.
  survivesLostTerminal([process.stdin, process.stdout, process.stderr]);
  // Handlers stay installed until the end: a closing terminal often sends SIGHUP twice (the kernel
  // to the process group, the terminal's shell to its jobs), and a second one with no handler left
  // would kill the process by default before the release finished.
  let ending: 'SIGTERM' | 'SIGHUP' | undefined;
  const onSignal = (s: 'SIGTERM' | 'SIGHUP') => {
    if (ending) return;
    ending = s;
    void close().then(() => endBy(s));
  };
  const onTerm = () => onSignal('SIGTERM');
  const onHup = () => onSignal('SIGHUP');
  process.on('SIGTERM', onTerm);
  process.on('SIGHUP', onHup);
  try {
    const sock = await connectShell(session.shellSocket);
    const devs = Object.entries(session.devices.env)
      .map(([k, v]) => `${k}=${v}`)
      .join(' ');
    const banner = [
      `fsto shell [${label}] ${session.runKey}: kernel ${session.kernel}`,
      `devices: ${devs}`,
      `local.config (host copy: ${session.hostConfig}) is in ${GUEST.fstests}; try ./check -n`,
      'exit (or Ctrl-D) stops the VM and releases the devices',
    ].join('\n');
    const argv = guestShellArgv({
      rows: process.stdout.rows || 24,
      cols: process.stdout.columns || 80,
      term: process.env.TERM && /^[A-Za-z0-9._+-]+$/.test(process.env.TERM) ? process.env.TERM : 'xterm',
      banner,
      cwd: GUEST.fstests,
    });
    const ended = session.exec(argv, {});
    await bridge(sock, ended);
    const r = await ended;
    log(
      r.outcome === 'crashed'
        ? `the guest crashed: ${r.crash?.signature}`
        : 'shell ended; releasing the VM and devices',
    );
    return r.outcome === 'exited' ? EXIT.ok : EXIT.infraError;
  } finally {
    await close();
    process.off('SIGTERM', onTerm);
    process.off('SIGHUP', onHup);
    log(`released ${session.runKey}`);
  }
}
