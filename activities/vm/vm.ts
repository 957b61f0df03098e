import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { FstoError, VM_BOOT_CRASHED, VM_BOOT_FAILED } from '../../common/errors';
import type { CrashReport, VmSpecInput } from '../../common/schemas/vm';
import type { Ledger } from '../ledger/ledger';
import { vngBin } from '../settings';
import type { VmBackend } from './backend';
import { qemuBackend } from './backends/qemu';
import { vngBackend } from './backends/vng';
import { crashReport, execInGuest, type ExecOptions, type ExecResult } from './exec';
import { GUEST_DIR } from './initramfs';
import { resolveVm, type KvmProbe } from './resolve';
import { ensureDir, VmProcess } from './supervisor';

// The library API: boot a VM, run commands in it, stop it. Activities wrap it; the fstests
// layer can drive one VM through a whole test batch inside one activity.

export interface VmDeps {
  ledger: Ledger;
  stateDir: string;
  probeKvm: KvmProbe;
  vngBin?: string;
}

export function backendFor(name: 'vng' | 'qemu', deps: Pick<VmDeps, 'vngBin'>): VmBackend {
  return name === 'vng' ? vngBackend(deps.vngBin ?? vngBin()) : qemuBackend;
}

/** Unix socket paths are limited to 108 bytes: fall back to /tmp for deep state dirs. */
function socketPath(vmDir: string, vmId: string): string {
  const p = join(vmDir, `vm-${vmId}.sock`);
  return p.length < 100 ? p : join(tmpdir(), `fsto-vm-${vmId}.sock`);
}

/** The panic of a failed boot (a VM_BOOT_CRASHED failure, details[0]), if that is why it failed. */
export function bootCrashOf(err: unknown): CrashReport | undefined {
  if (!(err instanceof FstoError) || err.type !== VM_BOOT_CRASHED) return undefined;
  return err.details?.[0] as CrashReport | undefined;
}

export class Vm {
  private nextId = 1;
  private constructor(
    readonly id: string,
    readonly accel: 'kvm' | 'tcg',
    readonly kernelRelease: string,
    readonly bootSeconds: number,
    readonly consolePath: string,
    readonly proc: VmProcess,
    /** What the guest side could not do (a share it could not mount). */
    readonly warnings: string[],
  ) {}

  /** Boot and wait for the agent's ready frame (or a crash, an early exit, the boot timeout). */
  static async boot(
    input: { runKey: string; spec: VmSpecInput },
    deps: VmDeps,
    o: { signal?: AbortSignal } = {},
  ): Promise<Vm> {
    const vm = await resolveVm(input.spec, deps.probeKvm);
    const backend = backendFor(vm.spec.backend, deps);
    const prepared = await backend.prepare(vm, { cacheDir: join(deps.stateDir, 'cache') });
    const vmDir = join(deps.stateDir, 'runs', input.runKey);
    await ensureDir(vmDir);
    const paths = {
      controlSocket: socketPath(vmDir, vm.vmId),
      agentPath: join(GUEST_DIR, 'agent.py'),
      ...prepared,
    };
    const plan = backend.buildArgv(vm, paths);
    const consolePath = join(vmDir, `vm-${vm.vmId}.console.log`);
    const started = Date.now();
    const proc = await VmProcess.start(plan, {
      vmId: vm.vmId,
      runKey: input.runKey,
      ledger: deps.ledger,
      consolePath,
      controlSocket: paths.controlSocket,
    });
    const ready = await waitReady(proc, vm.spec.bootTimeoutSec * 1000, o.signal);
    if (ready.kind !== 'ready') {
      await proc.stop({ graceMs: 0 });
      if (ready.kind === 'aborted') throw new Error('boot cancelled');
      if (proc.scanner.fatal) {
        const crash = crashReport(proc);
        // Booting the same kernel and command line again panics again: not retryable here.
        throw new FstoError(
          `the kernel panicked during boot: ${crash.signature} (console: ${consolePath})`,
          VM_BOOT_CRASHED,
          { details: [crash] },
        );
      }
      throw new FstoError(
        `VM boot failed (${ready.kind}): ${ready.detail}\nconsole (${consolePath}):\n${proc.scanner.tail(25)}`,
        VM_BOOT_FAILED,
        { retryable: true },
      );
    }
    return new Vm(
      vm.vmId,
      vm.accel,
      ready.release,
      (Date.now() - started) / 1000,
      consolePath,
      proc,
      ready.warnings,
    );
  }

  /** The kernel panicked (a crash line it survives does not count). */
  get crashed(): boolean {
    return this.proc.scanner.fatal !== undefined;
  }

  get exited(): boolean {
    return this.proc.exited;
  }

  /** Run argv in the guest; output streams to onLine as it arrives. */
  exec(argv: string[], o: ExecOptions): Promise<ExecResult> {
    return execInGuest(this.proc, this.nextId++, argv, o);
  }

  /** Ping the agent: true when it answered within ms. */
  async ping(ms = 10_000): Promise<boolean> {
    const id = this.nextId++;
    return new Promise((resolve) => {
      const timer = setTimeout(() => done(false), ms);
      const onFrame = (f: { t: string; id?: number }) => f.t === 'pong' && f.id === id && done(true);
      const done = (v: boolean) => {
        clearTimeout(timer);
        this.proc.off('frame', onFrame);
        resolve(v);
      };
      this.proc.on('frame', onFrame);
      if (!this.proc.send({ t: 'ping', id })) done(false);
    });
  }

  stop(): Promise<void> {
    return this.proc.stop();
  }
}

type ReadyResult =
  | { kind: 'ready'; release: string; warnings: string[] }
  | { kind: 'crashed' | 'exited' | 'timeout' | 'aborted'; detail: string };

async function waitReady(proc: VmProcess, timeoutMs: number, signal?: AbortSignal): Promise<ReadyResult> {
  const ac = new AbortController();
  try {
    return await new Promise<ReadyResult>((resolve) => {
      proc.on(
        'frame',
        (f) => f.t === 'ready' && resolve({ kind: 'ready', release: f.release, warnings: f.warnings ?? [] }),
      );
      // A crash line the kernel survives does not stop a boot; a panic does (then the VM exits,
      // often before the trace has settled: panic=-1 and -no-reboot).
      proc.on(
        'crash',
        (m) =>
          m.fatal &&
          void sleep(1000).then(() => resolve({ kind: 'crashed', detail: crashReport(proc).signature })),
      );
      proc.on('exit', (s) =>
        resolve(
          proc.scanner.fatal
            ? { kind: 'crashed', detail: crashReport(proc).signature }
            : { kind: 'exited', detail: `exit status ${s}` },
        ),
      );
      void sleep(timeoutMs, undefined, { signal: ac.signal }).then(
        () => resolve({ kind: 'timeout', detail: `no ready frame within ${timeoutMs / 1000}s` }),
        () => undefined,
      );
      signal?.addEventListener('abort', () => resolve({ kind: 'aborted', detail: 'cancelled' }), {
        once: true,
      });
    });
  } finally {
    ac.abort();
  }
}
