import { access, constants, mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { ApplicationFailure } from '@temporalio/common';
import type { HostCapabilities, RunSpec } from '../../common/schemas';
import { HOST_UNSUITABLE, INVALID_SPEC } from '../../common/errors';
import type { Ledger } from '../ledger/ledger';
import { releaseRun, type Releasers } from '../ledger/reaper';
import { kernelRelease } from './kernel';

export interface HostDeps {
  capabilities: HostCapabilities;
  stateDir: string;
  ledger: Ledger;
  releasers: Releasers;
}

export interface PreparedRun {
  runDir: string;
  resultsDir: string;
  kernel: string;
  kernelRelease: string;
}

export function createHostActivities(deps: HostDeps) {
  return {
    /** Runs on a shared claim queue: whichever host picks it up owns the run from now on. */
    async claimHost(): Promise<HostCapabilities> {
      return deps.capabilities;
    },

    /** First step on the claimed host: check inputs that only the host can see, make the run dir. */
    async prepareRun(input: { runKey: string; spec: RunSpec }): Promise<PreparedRun> {
      const { spec, runKey } = input;
      try {
        await access(join(spec.fstests, 'check'), constants.X_OK);
      } catch {
        throw ApplicationFailure.nonRetryable(
          `fstests: ${spec.fstests}/check is missing or not executable; give --fstests the directory of a built fstests tree`,
          INVALID_SPEC,
        );
      }
      const kernel = spec.kernel ?? deps.capabilities.kernels[0];
      if (!kernel) {
        throw ApplicationFailure.nonRetryable(
          `kernel: no --kernel given and host ${deps.capabilities.hostId} has no /boot/vmlinuz-*; install a kernel image (apt-get install linux-image-amd64) or pass --kernel`,
          HOST_UNSUITABLE,
        );
      }
      const release = await kernelRelease(kernel).catch(() => undefined);
      if (!release) {
        throw ApplicationFailure.nonRetryable(`kernel: ${kernel} is not a readable bzImage`, INVALID_SPEC);
      }
      const runDir = join(deps.stateDir, 'runs', runKey);
      const resultsDir = join(runDir, 'results');
      await mkdir(resultsDir, { recursive: true });
      return { runDir, resultsDir, kernel, kernelRelease: release };
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
  };
}

export type HostActivities = ReturnType<typeof createHostActivities>;
