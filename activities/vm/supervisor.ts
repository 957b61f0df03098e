import { EventEmitter } from 'node:events';
import { createWriteStream, type WriteStream } from 'node:fs';
import { mkdir, rm } from 'node:fs/promises';
import { createServer, type Server, type Socket } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Ledger, LedgerEntry } from '../ledger/ledger';
import type { Releasers } from '../ledger/reaper';
import { spawnGroup, type GroupChild } from '../process';
import type { LaunchPlan } from './backend';
import { ConsoleScanner, type CrashMatch } from './console';
import { encodeFrame, frameSplitter, type GuestFrame, type HostFrame } from './frames';
import { alive, pidsWithEnv, processStartTime, signal } from './proc';

// The one VM process supervisor: whatever the backend, a VM is one process group started here,
// recorded in the run's ledger before it exists, its console filed and scanned, its control
// port served, and stopped poweroff → SIGTERM → SIGKILL of the group.

/** Set in the VM's environment, so its processes are found even before their pid is recorded. */
export const VM_ID_ENV = 'FSTO_VM_ID';

export interface SuperviseOptions {
  vmId: string;
  runKey: string;
  ledger: Ledger;
  consolePath: string;
  controlSocket: string;
}

export interface VmProcessEvents {
  console: [chunk: string];
  crash: [match: CrashMatch, at: number];
  frame: [frame: GuestFrame];
  exit: [status: number | string];
}

export class VmProcess extends EventEmitter<VmProcessEvents> {
  readonly scanner = new ConsoleScanner();
  exitStatus: number | string | undefined;
  private socket: Socket | undefined;
  private stopping: Promise<void> | undefined;

  private constructor(
    readonly opts: SuperviseOptions,
    private readonly server: Server,
    private readonly consoleFile: WriteStream,
    private entry: LedgerEntry,
    private child?: GroupChild,
  ) {
    super();
  }

  get pid(): number | undefined {
    return this.child?.pid;
  }

  get exited(): boolean {
    return this.exitStatus !== undefined;
  }

  /** Record, listen on the control socket, then start the VM in its own process group. */
  static async start(plan: LaunchPlan, o: SuperviseOptions): Promise<VmProcess> {
    const entry = await o.ledger.record(o.runKey, 'vm', {
      vmId: o.vmId,
      argv0: plan.argv[0],
      state: 'starting',
    });
    await rm(o.controlSocket, { force: true });
    const server = createServer();
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(o.controlSocket, resolve);
    });
    const consoleFile = createWriteStream(o.consolePath, { flags: 'a' });
    const vm = new VmProcess(o, server, consoleFile, entry);
    server.on('connection', (s) => vm.attach(s));
    let child: GroupChild;
    try {
      child = spawnGroup(plan.argv, { env: { ...process.env, ...plan.env, [VM_ID_ENV]: o.vmId }, cwd: '/' });
    } catch (err) {
      await vm.cleanup();
      throw err;
    }
    vm.child = child;
    const onConsole = (b: Buffer) => vm.onConsole(b.toString('utf8'));
    child.stdout.on('data', onConsole);
    child.stderr.on('data', onConsole);
    void child.exited.then((status) => {
      vm.exitStatus = status;
      vm.emit('exit', status);
    });
    vm.entry = await o.ledger.update(entry, {
      pid: child.pid,
      pgid: child.pid,
      startTime: await processStartTime(child.pid),
      state: 'running',
    });
    return vm;
  }

  private onConsole(text: string): void {
    this.consoleFile.write(text);
    this.emit('console', text);
    for (const crash of this.scanner.push(text)) this.emit('crash', crash, Date.now());
  }

  private attach(s: Socket): void {
    this.socket?.destroy();
    this.socket = s;
    s.on(
      'data',
      frameSplitter((f) => this.emit('frame', f)),
    );
    s.on('error', () => undefined);
  }

  /** Send a frame to the agent; false when the control port is not connected. */
  send(frame: HostFrame): boolean {
    if (!this.socket || this.socket.destroyed) return false;
    this.socket.write(encodeFrame(frame));
    return true;
  }

  /** Wait for the VM to end, up to ms; true when it did. */
  async waitExit(ms: number): Promise<boolean> {
    if (this.exited || !this.child) return true;
    return Promise.race([this.child.exited.then(() => true), sleep(ms).then(() => false)]);
  }

  /** Orderly poweroff through the agent, then SIGTERM, then SIGKILL of the group. Idempotent. */
  stop(o: { graceMs?: number } = {}): Promise<void> {
    this.stopping ??= (async () => {
      const pgid = this.child?.pid;
      if (pgid && !this.exited) {
        if (this.send({ t: 'poweroff' })) await this.waitExit(o.graceMs ?? 10_000);
        if (!this.exited && signal(-pgid, 'SIGTERM')) await this.waitExit(5_000);
        if (!this.exited) signal(-pgid, 'SIGKILL');
        await this.waitExit(5_000);
      }
      // A leader that ended may leave members behind (vng's QEMU): kill what carries our id.
      await killByVmId(this.opts.vmId);
      await this.cleanup();
    })();
    return this.stopping;
  }

  private async cleanup(): Promise<void> {
    this.socket?.destroy();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
    await new Promise<void>((resolve) => this.consoleFile.end(resolve));
    await rm(this.opts.controlSocket, { force: true });
    await this.opts.ledger.remove(this.entry);
  }
}

/** SIGKILL every process whose environment says it belongs to this VM. */
async function killByVmId(vmId: string): Promise<void> {
  for (let i = 0; i < 10; i++) {
    const pids = (await pidsWithEnv(VM_ID_ENV, vmId)).filter((p) => p !== process.pid);
    if (pids.length === 0) return;
    for (const p of pids) signal(p, 'SIGKILL');
    await sleep(200);
  }
}

/** The reaper's releaser for kind 'vm': the group (if its leader is still the same process),
 * then anything else carrying the VM's id. Idempotent. */
export async function releaseVmEntry(entry: LedgerEntry): Promise<void> {
  const { pgid, startTime, vmId } = entry.data as { pgid?: number; startTime?: string; vmId?: string };
  if (pgid && startTime && (await processStartTime(pgid)) === startTime) {
    signal(-pgid, 'SIGTERM');
    for (let i = 0; i < 25 && alive(pgid); i++) await sleep(200);
    signal(-pgid, 'SIGKILL');
  }
  if (vmId) await killByVmId(vmId);
}

export function vmReleasers(_deps: { ledger?: Ledger } = {}): Releasers {
  return { vm: releaseVmEntry };
}

export async function ensureDir(dir: string): Promise<void> {
  await mkdir(dir, { recursive: true });
}
