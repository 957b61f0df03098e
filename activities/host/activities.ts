import { access, constants, mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { Context } from '@temporalio/activity';
import { ApplicationFailure } from '@temporalio/common';
import { hostKeyOf, type ClaimHostInput, type HostCapabilities, type RunSpec } from '../../common/schemas';
import { HOST_UNSUITABLE, INVALID_SPEC, UNCLAIMED } from '../../common/errors';
import type { Ledger } from '../ledger/ledger';
import { sameOwner, type RunOwner } from '../ledger/owner';
import { releaseRun, type Releasers } from '../ledger/reaper';
import { checkRunPaths, HostConfigError, loadHostConfig } from './allow';
import { KernelError, resolveKernel } from './kernel';
import { DiskFullError, ensureFreeSpace, minFreeBytes } from './retention';
import { takeSlot } from './slots';
import { translated } from '../failures';

export interface HostDeps {
  capabilities: HostCapabilities;
  stateDir: string;
  ledger: Ledger;
  releasers: Releasers;
  /** The server and namespace this host's workers serve: they own the runs it claims. */
  owner?: () => Promise<RunOwner>;
  /** How often a claim that found every VM slot taken looks again (default 2 s). */
  slotPollMs?: number;
}

export interface PreparedRun {
  runDir: string;
  resultsDir: string;
  kernel: string;
  kernelRelease: string;
  /** --kernel was a build tree: its modules, installed for the guest (kernel is its bzImage). */
  modulesDir?: string;
  kernelKind?: 'image' | 'tree';
}

export function createHostActivities(deps: HostDeps) {
  return translated({
    /**
     * Runs on a shared claim queue: whichever host picks it up owns the run from now on, with
     * one of its VM slots held until the run is released. Workers poll the claim queue only with
     * a slot free (workers/claim-gate.ts); should another process of this host have taken it
     * meanwhile, the claim waits here, heartbeating, so the run's later steps never queue for one;
     * with a deadline (the run's claimWithinSec, from when the claim was first scheduled) no longer
     * than that: it then gives up, holding nothing, and the run ends unclaimed (workflows/claim-deadline.ts).
     */
    async claimHost(input: ClaimHostInput = {}): Promise<HostCapabilities> {
      const ctx = Context.current();
      const workflowId = ctx.info.workflowExecution?.workflowId;
      if (!workflowId)
        throw ApplicationFailure.nonRetryable('claimHost runs only for a workflow', INVALID_SPEC);
      const runKey = hostKeyOf(workflowId);
      // Before anything of the run exists here: the reaper asks the server about this id.
      await deps.ledger.setWorkflowId(runKey, workflowId);
      const owner = await deps.owner?.();
      if (owner) {
        const before = await deps.ledger.owner(runKey);
        if (before && !sameOwner(before, owner) && (await deps.ledger.list(runKey)).length > 0) {
          throw new Error(`run key ${runKey} is held on this host by a run of another server`);
        }
        await deps.ledger.setOwner(runKey, owner);
      }
      const slots = { ledger: deps.ledger, stateDir: deps.stateDir, vmSlots: deps.capabilities.vmSlots };
      const deadline =
        input.withinSec !== undefined ? ctx.info.scheduledTimestampMs + input.withinSec * 1000 : Infinity;
      while ((await takeSlot(slots, runKey)) === 'full') {
        if (Date.now() >= deadline)
          throw ApplicationFailure.nonRetryable(
            `every VM slot of ${deps.capabilities.hostId} still held ${input.withinSec} s after the claim`,
            UNCLAIMED,
          );
        ctx.heartbeat();
        await ctx.sleep(deps.slotPollMs ?? 2_000);
      }
      return deps.capabilities;
    },

    /** First step on the claimed host: check inputs that only the host can see, make the run dir. */
    async prepareRun(input: { runKey: string; spec: RunSpec }): Promise<PreparedRun> {
      const { spec, runKey } = input;
      // A source was built by the run first (buildKernel), which passes the built tree here.
      if (typeof spec.kernel === 'object')
        throw ApplicationFailure.nonRetryable(
          'kernel: a git source must be built first (buildKernel)',
          INVALID_SPEC,
        );
      const kernel = spec.kernel ?? deps.capabilities.kernels[0];
      // Before anything is read: what this host lets a run name (activities/host/allow.ts).
      const config = await loadHostConfig(deps.stateDir).catch((err: unknown) => {
        if (err instanceof HostConfigError)
          throw ApplicationFailure.nonRetryable(err.message, HOST_UNSUITABLE);
        throw err;
      });
      await checkRunPaths(config, spec, kernel);
      try {
        await access(join(spec.fstests, 'check'), constants.X_OK);
      } catch {
        throw ApplicationFailure.nonRetryable(
          `fstests: ${spec.fstests}/check is missing or not executable; give --fstests the directory of a built fstests tree`,
          INVALID_SPEC,
        );
      }
      if (!kernel) {
        throw ApplicationFailure.nonRetryable(
          `kernel: no --kernel given and host ${deps.capabilities.hostId} has no /boot/vmlinuz-*; install a kernel image (apt-get install linux-image-amd64) or pass --kernel`,
          HOST_UNSUITABLE,
        );
      }
      // An image, or a kernel build tree (its bzImage and the modules it built, installed once).
      const k = await resolveKernel(kernel, join(deps.stateDir, 'cache')).catch((err: unknown) => {
        if (err instanceof KernelError) throw ApplicationFailure.nonRetryable(err.message, INVALID_SPEC);
        throw err;
      });
      const runDir = join(deps.stateDir, 'runs', runKey);
      const resultsDir = join(runDir, 'results');
      // A full disk is said, naming the path, before the run makes a file (not a hang later).
      await ensureFreeSpace(deps.stateDir, minFreeBytes()).catch((err: unknown) => {
        if (err instanceof DiskFullError) throw ApplicationFailure.nonRetryable(err.message, HOST_UNSUITABLE);
        throw err;
      });
      await mkdir(resultsDir, { recursive: true });
      return {
        runDir,
        resultsDir,
        kernel: k.image,
        kernelRelease: k.release,
        kernelKind: k.kind,
        ...(k.modulesDir ? { modulesDir: k.modulesDir } : {}),
      };
    },

    /** The run's compensation: release everything its ledger holds on this host. Idempotent. */
    async releaseRun(input: { runKey: string }): Promise<{ released: number }> {
      const report = await releaseRun(deps.ledger, input.runKey, deps.releasers);
      if (report.failed.length) {
        // Retried by Temporal; whatever still fails is left for the reaper, never forgotten.
        throw new Error(
          `release of ${input.runKey} incomplete: ${report.failed.map((f) => `${f.entry.kind}: ${f.error}`).join('; ')}`,
        );
      }
      return { released: report.released.length };
    },
  });
}

export type HostActivities = ReturnType<typeof createHostActivities>;
