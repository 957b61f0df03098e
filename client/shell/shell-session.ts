import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createAudit } from '../../activities/audit';
import { pidAlive } from '../../activities/pid';
import { deviceDeps, planOnHost } from '../../activities/devices/activities';
import { setupDevices } from '../../activities/devices/setup';
import { batchLayout, GUEST } from '../../activities/fstests/guest-layout';
import type { GuestExec } from '../../activities/fstests/guest-prep';
import { openGuest, writeRunConfig } from '../../activities/fstests/open-guest';
import { checkRunPaths, loadHostConfig } from '../../activities/host/allow';
import { listKernels, resolveKernel } from '../../activities/host/kernel';
import { takeSlot } from '../../activities/host/slots';
import { Ledger } from '../../activities/ledger/ledger';
import { releaseRun } from '../../activities/ledger/reaper';
import { stateDir as defaultStateDir } from '../../activities/settings';
import { probeKvm, type Vm } from '../../activities/vm';
import { batchSettings, type BatchInput, type HeldDevices, type RunSpec } from '../../common/schemas';
import { canonicalStateDir } from '../../workers/host';
import { hostReleasers } from '../../workers/releasers';
import { readableId } from '../core/run-id';

// fsto shell's resources, set up and released on this host the way a run's are (ledger first,
// released with releaseRun), without a workflow: a person is at the keyboard. Its ledger entries
// carry an owner no Temporal server has, so no worker's reaper takes them while it is alive; the
// next `fsto shell` releases those whose process is gone.

const SHELL_CLUSTER = 'fsto-shell';

export interface ShellSession {
  runKey: string;
  vm: Vm;
  devices: HeldDevices;
  /** The run's local.config on the host, and the kernel it boots. */
  hostConfig: string;
  kernel: string;
  shellSocket: string;
  exec: GuestExec;
  close(): Promise<void>;
}

/** Release what shells killed before their cleanup left. */
async function reapDeadShells(ledger: Ledger, stateDir: string): Promise<number> {
  let n = 0;
  for (const runKey of await ledger.runs()) {
    const owner = await ledger.owner(runKey);
    const pid = Number(owner?.namespace.replace(/^pid-/, ''));
    if (owner?.clusterId !== SHELL_CLUSTER || !pid || pidAlive(pid)) continue;
    await releaseRun(ledger, runKey, hostReleasers({ stateDir }));
    n++;
  }
  return n;
}

export async function openShell(
  spec: RunSpec,
  o: { log: (l: string) => void; vmSlots: number; stateDir?: string },
): Promise<ShellSession> {
  const stateDir = await canonicalStateDir(o.stateDir ?? defaultStateDir());
  // What this host lets a run name, checked as a run's claim checks it: before anything is made.
  await checkRunPaths(
    await loadHostConfig(stateDir),
    spec,
    typeof spec.kernel === 'string' ? spec.kernel : undefined,
  );
  const ledger = new Ledger(join(stateDir, 'ledger'));
  const reaped = await reapDeadShells(ledger, stateDir);
  if (reaped) o.log(`released what ${reaped} killed shell(s) left`);
  const runKey = readableId('fsto-shell');
  const release = () => releaseRun(ledger, runKey, hostReleasers({ stateDir })).then(() => undefined);
  await ledger.setOwner(runKey, { clusterId: SHELL_CLUSTER, namespace: `pid-${process.pid}` });
  let vm: Vm | undefined;
  try {
    for (let said = false; (await takeSlot({ ledger, stateDir, vmSlots: o.vmSlots }, runKey)) === 'full'; ) {
      if (!said) o.log(`waiting for a VM slot on this host (${o.vmSlots} in use by runs)`);
      said = true;
      await new Promise((r) => setTimeout(r, 2000));
    }
    if (typeof spec.kernel === 'object')
      throw new Error('kernel: fsto shell takes an image or a built tree, not a git source; build it first');
    const given = spec.kernel ?? (await listKernels())[0];
    if (!given) throw new Error('kernel: no --kernel given and no /boot/vmlinuz-* on this host');
    const kernel = await resolveKernel(given, join(stateDir, 'cache'));
    // The audit log only: the terminal is the user's.
    const ddeps = deviceDeps({ stateDir, audit: createAudit(stateDir, { stderr: false }) });
    const devices = await setupDevices(ddeps, { runKey, plan: await planOnHost(ddeps, spec.devices ?? {}) });
    const resultsDir = join(stateDir, 'runs', runKey, 'results');
    const input: BatchInput = {
      runKey,
      label: 'shell',
      ...batchSettings(spec),
      kernel: kernel.image,
      ...(kernel.modulesDir ? { modulesDir: kernel.modulesDir } : {}),
      devices,
      resultsDir,
      selection: { tests: [], groups: [], excludeGroups: [] },
      list: false,
    };
    const layout = batchLayout(input, 1);
    // The config a run's batch would write, the host's allowlist applied (open-guest.ts).
    await writeRunConfig(input, layout, stateDir);
    const sock = join(stateDir, 'runs', runKey, 'shell.sock');
    const shellSocket = sock.length < 100 ? sock : join(tmpdir(), `${runKey}.sock`);
    o.log(
      `booting ${kernel.release}${kernel.kind === 'tree' ? ` from ${kernel.path}` : ''} with ${devices.devices.length} devices…`,
    );
    // The batch's own bring-up: boot, then mount points and TEST_DEV's filesystem.
    const { vm: booted, exec } = await openGuest(
      input,
      layout,
      { stateDir, vm: { ledger, stateDir, probeKvm } },
      { shellSocket, onBoot: (v) => (vm = v) },
    );
    // local.config in place, as by hand: `./check` reads it from the tree (an overlay: the guest's copy).
    const cp = await exec(['cp', layout.guestConfig, `${GUEST.fstests}/local.config`], { timeoutSec: 60 });
    if (cp.exitCode !== 0) throw new Error(`could not put local.config in place: ${cp.stderrTail}`);
    return {
      runKey,
      vm: booted,
      devices,
      hostConfig: layout.hostConfig,
      kernel: kernel.path,
      shellSocket,
      exec,
      close: async () => {
        await booted.stop();
        await release();
      },
    };
  } catch (err) {
    await vm?.stop();
    await release();
    throw err;
  }
}
