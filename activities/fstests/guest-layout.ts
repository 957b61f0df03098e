import { join } from 'node:path';
import type { BatchInput, VmSpecInput } from '../../common/schemas';

// Where things are inside the guest for one batch (pure). The fstests tree and the results dir
// are 9p shares mounted by our agent, so a tree built under the host's /tmp works too and
// results survive a guest crash; TEST_DIR and SCRATCH_MNT live on the guest's tmpfs /tmp.
// The tree is an overlay share: fstests writes into its own tree as a by-hand run does
// (`_link_out_file` links tests/<fs>/NNN.out, some tests write helpers beside themselves), and
// those writes land on a guest tmpfs, never in the host's tree.

export const GUEST = {
  fstests: '/tmp/fsto/fstests',
  results: '/tmp/fsto/results',
  testDir: '/tmp/fsto/test',
  scratchMnt: '/tmp/fsto/scratch',
} as const;

export interface BatchLayout {
  /** fstests' RESULT_BASE, on the host and in the guest. */
  hostResultBase: string;
  guestResultBase: string;
  hostConfig: string;
  guestConfig: string;
}

/** One dir per batch attempt: a retried attempt never mixes with a killed one's files. */
export function batchLayout(input: Pick<BatchInput, 'resultsDir' | 'label'>, attempt: number): BatchLayout {
  const name = attempt > 1 ? `${input.label}.a${attempt}` : input.label;
  return {
    hostResultBase: join(input.resultsDir, name),
    guestResultBase: `${GUEST.results}/${name}`,
    hostConfig: join(input.resultsDir, `${name}.local.config`),
    guestConfig: `${GUEST.results}/${name}.local.config`,
  };
}

/** The VM of a batch: the run's devices in order, fstests as an overlay, results read-write. */
export function batchVmSpec(input: BatchInput): VmSpecInput {
  return {
    backend: input.vm.backend,
    kernel: input.kernel,
    ...(input.modulesDir ? { modulesDir: input.modulesDir } : {}),
    cpus: input.vm.cpus,
    memoryMiB: input.vm.memoryMiB,
    accel: input.vm.accel,
    cmdline: input.vm.cmdline,
    disks: input.devices.devices.map((d) => ({ path: d.hostPath, serial: d.serial, readonly: d.readonly })),
    shares: [
      { hostPath: input.fstests, tag: 'fstests', readonly: true, overlay: true, mountPoint: GUEST.fstests },
      { hostPath: input.resultsDir, tag: 'results', readonly: false, mountPoint: GUEST.results },
    ],
  };
}
