import { mkdir } from 'node:fs/promises';
import type { BatchInput } from '../../common/schemas';
import { Beneath } from '../beneath';
import { loadHostConfig } from '../host/allow';
import { Vm, type VmDeps } from '../vm/vm';
import { checkEnv } from './config';
import { batchVmSpec, GUEST, type BatchLayout } from './guest-layout';
import { configText, prepareGuest, type GuestExec } from './guest-prep';

// One bring-up of an fstests guest, for a run's batch and for `fsto shell` alike: the run's
// local.config written on the host (the host's allowlist applied, never through a link the guest
// made), the VM booted with the devices and the two shares, and the guest prepared (mount points,
// TEST_DEV's filesystem). What differs between them is only what comes after.

export interface OpenGuestDeps {
  stateDir: string;
  vm: VmDeps;
}

export interface Guest {
  vm: Vm;
  /** A command in the guest, in the fstests tree, with HOST_OPTIONS naming the run's config. */
  exec: GuestExec;
}

/** <resultBase>/<label>.local.config, in the results dir the guest shares (activities/beneath.ts). */
export async function writeRunConfig(
  input: BatchInput,
  layout: BatchLayout,
  stateDir: string,
): Promise<void> {
  await mkdir(input.resultsDir, { recursive: true });
  const share = new Beneath(input.resultsDir);
  await share.mkdirp(layout.hostResultBase);
  await share.writeFile(layout.hostConfig, await configText(input, layout, await loadHostConfig(stateDir)));
}

/**
 * Boot the guest and prepare it. The caller owns the VM from `onBoot` on and stops it whatever
 * fails after (a guest crash while preparing throws GuestCrashed; a panic at boot, VmBootCrashed).
 */
export async function openGuest(
  input: BatchInput,
  layout: BatchLayout,
  deps: OpenGuestDeps,
  o: { signal?: AbortSignal; shellSocket?: string; onBoot?: (vm: Vm) => void } = {},
): Promise<Guest> {
  const spec = { ...batchVmSpec(input), ...(o.shellSocket ? { shellSocket: o.shellSocket } : {}) };
  const vm = await Vm.boot({ runKey: input.runKey, spec }, deps.vm, o.signal ? { signal: o.signal } : {});
  o.onBoot?.(vm);
  const exec: GuestExec = (argv, x) =>
    vm.exec(argv, {
      ...x,
      cwd: GUEST.fstests,
      env: checkEnv(layout.guestConfig, input.runKey),
      ...(x.signal || o.signal ? { signal: x.signal ?? o.signal } : {}),
    });
  await prepareGuest(exec, input, layout);
  return { vm, exec };
}
