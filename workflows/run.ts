import { ApplicationFailure, log, upsertSearchAttributes, workflowInfo } from '@temporalio/workflow';
import { parseOrFail } from '../common/errors';
import { RunSpec, type RunSpecInput, type RunSummary } from '../common/schemas';
import { SA_FS_CONFIG, SA_KERNEL } from '../common/search-attributes';
import { claimProxy, hostProxy } from './activities';

/**
 * One run: one kernel × one filesystem config × one test selection, on one host.
 * Steps so far: validate → claim a host → prepare the run on that host.
 */
export async function fstestsRun(input: RunSpecInput): Promise<RunSummary> {
  // 1. Validate again here: a workflow can be started by anyone, not only by our CLI.
  const spec = parseOrFail(RunSpec, input, 'run spec');
  const runKey = workflowInfo().workflowId;

  // 2. Claim a host; every later step is proxied to its own queue.
  const host = await claimProxy(workflowInfo().taskQueue, spec.requireKvm).claimHost();
  if (spec.requireKvm && !host.kvm) {
    throw ApplicationFailure.nonRetryable(
      `host ${host.hostId} claimed a KVM run without KVM`,
      'HostUnsuitable',
    );
  }
  log.info('claimed host', { hostId: host.hostId });

  // 3. Prepare the run dir and resolve the kernel on that host.
  const prepared = await hostProxy(host.hostQueue).prepareRun({ runKey, spec });
  upsertSearchAttributes([
    { key: SA_KERNEL, value: prepared.kernelRelease },
    { key: SA_FS_CONFIG, value: spec.fs },
  ]);

  return {
    workflowId: runKey,
    status: 'error',
    resultsDir: prepared.resultsDir,
    hostId: host.hostId,
    kernelRelease: prepared.kernelRelease,
    tests: [],
  };
}
