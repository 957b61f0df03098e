import { Context } from '@temporalio/activity';
import { ApplicationFailure, CancelledFailure } from '@temporalio/common';
import type { VmSpecInput } from '../../common/schemas/vm';
import { Vm, type ExecResult, type VmDeps } from './vm';

// VM steps on the claimed host's queue. The VM process lives in the worker that booted it
// (a registry by vmId): every step of a run is pinned to that host's queue. Proxy these with
// cancellationType WAIT_CANCELLATION_COMPLETED and a heartbeatTimeout (see vmActivityOptions).

const HEARTBEAT_MS = 5_000;

/** Options the workflow should use when proxying these activities. */
export const vmActivityOptions = {
  heartbeatTimeout: '30s',
  cancellationType: 'WAIT_CANCELLATION_COMPLETED',
  scheduleToStartTimeout: '5m',
} as const;

function heartbeatEvery(details: () => unknown): () => void {
  const ctx = Context.current();
  const t = setInterval(() => ctx.heartbeat(details()), HEARTBEAT_MS);
  ctx.heartbeat(details());
  return () => clearInterval(t);
}

export function createVmActivities(deps: VmDeps) {
  const vms = new Map<string, Vm>();
  const get = (vmId: string) => {
    const vm = vms.get(vmId);
    if (!vm) {
      throw ApplicationFailure.nonRetryable(
        `vm ${vmId} is not running in this worker (it was stopped, or the worker restarted); boot a new one`,
        'VmGone',
      );
    }
    return vm;
  };

  return {
    async bootVm(input: {
      runKey: string;
      spec: VmSpecInput;
    }): Promise<{ vmId: string; accel: 'kvm' | 'tcg'; bootSeconds: number; kernelRelease: string }> {
      const ctx = Context.current();
      const stop = heartbeatEvery(() => ({ phase: 'booting' }));
      try {
        // Cancellation aborts the boot, which stops the half-booted VM before we return.
        const vm = await Vm.boot(input, deps, { signal: ctx.cancellationSignal });
        vms.set(vm.id, vm);
        return { vmId: vm.id, accel: vm.accel, bootSeconds: vm.bootSeconds, kernelRelease: vm.kernelRelease };
      } catch (err) {
        if (ctx.cancellationSignal.aborted)
          throw new CancelledFailure('bootVm cancelled; the VM was stopped');
        throw err;
      } finally {
        stop();
      }
    },

    async execInVm(input: {
      vmId: string;
      argv: string[];
      env?: Record<string, string>;
      cwd?: string;
      timeoutSec: number;
    }): Promise<ExecResult> {
      const vm = get(input.vmId);
      const ctx = Context.current();
      let lines = 0;
      const stop = heartbeatEvery(() => ({ lines }));
      try {
        return await vm.exec(input.argv, {
          env: input.env,
          cwd: input.cwd,
          timeoutSec: input.timeoutSec,
          onLine: () => void lines++,
          signal: ctx.cancellationSignal,
        });
      } catch (err) {
        // Cancelled mid-command: the guest's state is unknown, so the VM goes with it.
        if (ctx.cancellationSignal.aborted) {
          vms.delete(vm.id);
          await vm.stop();
          throw new CancelledFailure('execInVm cancelled; the VM was stopped');
        }
        throw err;
      } finally {
        stop();
      }
    },

    /** Idempotent: stopping an unknown or stopped VM is fine. */
    async stopVm(input: { vmId: string }): Promise<void> {
      const vm = vms.get(input.vmId);
      if (!vm) return;
      const stop = heartbeatEvery(() => ({ phase: 'stopping' }));
      try {
        await vm.stop();
        vms.delete(input.vmId);
      } finally {
        stop();
      }
    },
  };
}

export type VmActivities = ReturnType<typeof createVmActivities>;
