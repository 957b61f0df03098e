import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { Option, type Command } from 'commander';
import { Ledger } from '../../activities/ledger/ledger';
import { stateDir } from '../../activities/settings';
import { probeKvm } from '../../activities/vm/kvm-probe';
import { Vm } from '../../activities/vm/vm';
import type { VmSpecInput } from '../../common/schemas/vm';

// `fsto vm run … -- CMD ARGS…`: boot a VM, run one command in it with its output streamed,
// exit with its exit code (2 on a kernel crash, 124 when it hung), and always stop the VM.

export const EXIT_CRASHED = 2;
export const EXIT_HUNG = 124;

interface VmRunOptions {
  backend: 'vng' | 'qemu';
  kernel?: string;
  disk: string[];
  accel: 'auto' | 'kvm' | 'tcg';
  cpus: string;
  memory: string;
  timeout: string;
  share: string[];
}

/** `HOST:TAG[:ro|rw][:MOUNTPOINT]` → a share. */
function parseShare(s: string): NonNullable<VmSpecInput['shares']>[number] {
  const [hostPath = '', tag = '', mode = 'ro', mountPoint] = s.split(':');
  return { hostPath, tag, readonly: mode !== 'rw', ...(mountPoint ? { mountPoint } : {}) };
}

export function registerVmCommand(program: Command): void {
  const vm = program.command('vm').description('boot throwaway VMs');
  vm.command('run')
    .description('boot a VM, run CMD in it, stream its output, exit with its exit code')
    .addOption(new Option('--backend <name>', 'VM backend').choices(['vng', 'qemu']).default('qemu'))
    .option('--kernel <image>', 'kernel image (default: newest /boot/vmlinuz-*)')
    .option(
      '--disk <file>',
      'a disk, in order: /dev/vda, /dev/vdb, … (repeatable)',
      (v, a: string[]) => [...a, v],
      [],
    )
    .option('--share <spec>', 'HOST:TAG[:ro|rw][:MOUNTPOINT] (repeatable)', (v, a: string[]) => [...a, v], [])
    .addOption(new Option('--accel <accel>', 'accelerator').choices(['auto', 'kvm', 'tcg']).default('auto'))
    .option('--cpus <n>', 'guest CPUs', '2')
    .option('--memory <MiB>', 'guest memory in MiB', '2048')
    .option('--timeout <sec>', 'hung when the command is silent this long', '600')
    .argument('<cmd...>', 'command and arguments to run in the guest (after --)')
    .action(async (cmd: string[], o: VmRunOptions) => {
      process.exitCode = await vmRun(cmd, o);
    });
}

async function vmRun(cmd: string[], o: VmRunOptions): Promise<number> {
  const dir = stateDir();
  const spec: VmSpecInput = {
    backend: o.backend,
    ...(o.kernel ? { kernel: o.kernel } : {}),
    accel: o.accel,
    cpus: Number(o.cpus),
    memoryMiB: Number(o.memory),
    disks: o.disk.map((path) => ({ path })),
    shares: o.share.map(parseShare),
  };
  const ac = new AbortController();
  const onSignal = () => ac.abort();
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
  const machine = await Vm.boot(
    { runKey: `vm-run-${randomBytes(4).toString('hex')}`, spec },
    { ledger: new Ledger(join(dir, 'ledger')), stateDir: dir, probeKvm },
    { signal: ac.signal },
  );
  console.error(
    `fsto: ${o.backend} guest ${machine.kernelRelease} (${machine.accel}) ready in ${machine.bootSeconds.toFixed(1)}s`,
  );
  for (const w of machine.warnings) console.error(`fsto: warning: ${w}`);
  try {
    const res = await machine.exec(cmd, {
      timeoutSec: Number(o.timeout),
      signal: ac.signal,
      onLine: (stream, line) => (stream === 'stdout' ? process.stdout : process.stderr).write(`${line}\n`),
    });
    if (res.outcome === 'crashed') {
      console.error(`fsto: the guest kernel crashed: ${res.crash?.signature}\n${res.crash?.excerpt ?? ''}`);
      return EXIT_CRASHED;
    }
    if (res.outcome === 'hung') {
      console.error(`fsto: no output from the command for ${o.timeout}s: hung`);
      return EXIT_HUNG;
    }
    return res.exitCode ?? 128;
  } finally {
    await machine.stop();
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
  }
}
