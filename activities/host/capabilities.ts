import { cpus, totalmem } from 'node:os';
import type { HostCapabilities } from '../../common/schemas';
import { hostQueue } from '../../common/queues';
import { listKernels } from './kernel';

export interface ProbeOptions {
  hostId: string;
  kvm: boolean;
  /** VM slots: a worker concurrency limit; default one VM per two cores. */
  vmSlots?: number;
}

/** What this host can do, advertised when it claims a run. */
export async function probeCapabilities(opts: ProbeOptions): Promise<HostCapabilities> {
  const memoryMiB = Math.floor(totalmem() / 2 ** 20);
  return {
    hostId: opts.hostId,
    hostQueue: hostQueue(opts.hostId),
    kvm: opts.kvm,
    cpus: cpus().length,
    memoryMiB,
    vmSlots: opts.vmSlots ?? Math.max(1, Math.floor(cpus().length / 2)),
    // Half of memory may back tmpfs devices; the rest is for guests and the host.
    tmpfsBudgetBytes: Math.floor(totalmem() / 2),
    kernels: await listKernels(),
  };
}
