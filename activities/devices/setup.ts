import { mkdir, open, realpath } from 'node:fs/promises';
import { parseOrThrow } from '../../common/errors';
import { DevicePlan, RunKey, type HeldDevice, type HeldDevices } from '../../common/schemas';
import { Ledger } from '../ledger/ledger';
import { run } from '../process';
import { losetupAttachArgv, mountTmpfsArgv } from './argv';
import { backingFileFor, runPaths } from './plan';
import { releaseDeviceRun, type ReleaseDeps } from './release';
import { checkHost, type HostCheckDeps } from './validate';

// Set up a run's devices. The order is the safety: ledger entry first, then the resource,
// so a crash anywhere leaves a record the reaper can finish from.

export type DeviceDeps = HostCheckDeps & ReleaseDeps;

export interface SetupControl {
  /** Called before each device (and once at the end): the activity heartbeats here. */
  heartbeat?: (details: { phase: 'setup'; device?: string; done: number; total: number }) => void;
  /** Aborted when the activity is cancelled: stop between steps and release. */
  signal?: AbortSignal;
}

/** The signal's reason (an activity's: Temporal's CancelledFailure), or a plain abort. */
function throwIfCancelled(signal?: AbortSignal): void {
  if (!signal?.aborted) return;
  throw signal.reason instanceof Error ? signal.reason : new Error('device setup cancelled');
}

async function runStep(deps: DeviceDeps, argv: string[]): Promise<string> {
  const res = await (deps.exec ?? run)(argv);
  if (res.exitCode !== 0) throw new Error(`${argv.join(' ')} exited ${res.exitCode}: ${res.stderr.trim()}`);
  return res.stdout.trim();
}

export async function setupDevices(
  deps: DeviceDeps,
  input: { runKey: string; plan: DevicePlan },
  ctl: SetupControl = {},
): Promise<HeldDevices> {
  const runKey = parseOrThrow(RunKey, input.runKey, 'run key');
  const plan = await checkHost(parseOrThrow(DevicePlan, input.plan, 'device plan'), deps);
  const audit = deps.audit ?? (async () => undefined);
  const paths = runPaths(deps.stateDir, runKey);
  const ledger = new Ledger(paths.ledgerRoot);
  // A retried attempt of this run starts clean: release what an earlier attempt left.
  await releaseDeviceRun(deps, runKey);
  const total = plan.devices.length;
  const held: HeldDevice[] = [];
  try {
    await mkdir(paths.filesDir, { recursive: true, mode: 0o700 });
    if (plan.tmpfsBytes > 0) {
      throwIfCancelled(ctl.signal);
      const mountpoint = paths.tmpfsDir;
      await mkdir(mountpoint, { recursive: true, mode: 0o700 });
      await ledger.record(runKey, 'tmpfs', { mountpoint, sizeBytes: plan.tmpfsBytes });
      await runStep(deps, mountTmpfsArgv(mountpoint, plan.tmpfsBytes));
      await audit({ action: 'create', kind: 'tmpfs', runKey, mountpoint, sizeBytes: plan.tmpfsBytes });
    }
    for (const [done, d] of plan.devices.entries()) {
      throwIfCancelled(ctl.signal);
      ctl.heartbeat?.({ phase: 'setup', device: d.name, done, total });
      const common = { name: d.name, guestDevice: d.guestDevice, serial: d.serial, readonly: d.readonly };
      const envVar = d.envVar !== undefined ? { envVar: d.envVar } : {};
      if (d.source === 'block') {
        held.push({ ...common, ...envVar, hostPath: await realpath(d.path!) });
        continue;
      }
      const file = backingFileFor(deps.stateDir, runKey, d);
      await ledger.record(runKey, 'backing-file', { path: file, sizeBytes: d.sizeBytes });
      // 'wx': a file that already exists is never reused or clobbered. Sparse, like truncate(1).
      const fh = await open(file, 'wx', 0o600);
      try {
        await fh.truncate(d.sizeBytes);
      } finally {
        await fh.close();
      }
      await audit({ action: 'create', kind: 'backing-file', runKey, path: file, sizeBytes: d.sizeBytes });
      const loop = await ledger.record(runKey, 'loop', { backingFile: file, readonly: d.readonly });
      const device = await runStep(deps, losetupAttachArgv(file, d.readonly));
      await ledger.update(loop, { device });
      await audit({
        action: 'create',
        kind: 'loop',
        runKey,
        device,
        backingFile: file,
        readonly: d.readonly,
      });
      held.push({ ...common, ...envVar, hostPath: device });
    }
    ctl.heartbeat?.({ phase: 'setup', done: total, total });
    return { devices: held, env: plan.env };
  } catch (err) {
    // Cancelled or failed half way: give back what this attempt created, then report why.
    await releaseDeviceRun(deps, runKey).catch((releaseErr: unknown) => {
      console.error(`fsto devices: release after failed setup of ${runKey} failed: ${String(releaseErr)}`);
    });
    throw err;
  }
}
