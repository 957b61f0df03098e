import { z } from 'zod';
import { RunVmOptions } from './batch';
import { DeviceSetSpec } from './device-set';
import { Name } from './names';
import { RunSpec, type RunSpecInput } from './run';
import { ExpungeEntry } from './results';
import { TestName } from './tests';
import { HostLossTimeoutSec } from './host-loss';
import { NotifySpec } from './notify';
import { ConfirmSpec } from './confirm';
import { AutoBisectSpec } from './auto-bisect';
import { isKernelSource, KernelSource, kernelLabel, type KernelSpec } from './kernel-source';

export * from './matrix-result';
export * from './cell';
export * from './notify';
export * from './auto-bisect';

// A matrix: every config × every kernel, each one run (RunSpec) whose tests the matrix workflow
// may spread over several VMs (shards). Unknown fields are refused, as for a run. Expunge
// entries are the results store's (results.ts): one shape for known failures everywhere.

/** One filesystem configuration: what RunSpec says about the filesystem and its devices. */
export const MatrixConfig = z.strictObject({
  /** Names this config in ids, reports and result dirs. */
  name: Name,
  fs: RunSpec.shape.fs,
  mkfsOptions: RunSpec.shape.mkfsOptions,
  mountOptions: RunSpec.shape.mountOptions,
  configFile: RunSpec.shape.configFile,
  section: RunSpec.shape.section,
  /** More local.config variables of this config (LOAD_FACTOR, SOAK_DURATION, …). */
  vars: RunSpec.shape.vars.optional(),
  devices: DeviceSetSpec.optional(),
  /** Known failures; one test may have several entries (different kernel ranges). */
  expunge: z.array(ExpungeEntry).max(1000, 'at most 1000 expunge entries; use excludeFile').default([]),
});
export type MatrixConfig = z.output<typeof MatrixConfig>;

export const MAX_CONFIGS = 32;
export const MAX_KERNELS = 16;

/** `previous` = the last matrix of the same schedule (or name); anything else a workflow id (any: a schedule's has colons). */
export const Baseline = z.union([
  z.literal('previous'),
  z.string().min(1, "give a matrix's workflow id, or previous").max(1000),
]);

export const MatrixSpec = z
  .strictObject({
    /** Names the matrix in its workflow id and lets `baseline: previous` find its predecessor. */
    name: Name.optional(),
    fstests: RunSpec.shape.fstests,
    configs: z
      .array(MatrixConfig)
      .min(1, 'give at least one config ({ name, fs })')
      .max(MAX_CONFIGS, `at most ${MAX_CONFIGS} configs; split the matrix`)
      .superRefine((list, ctx) =>
        uniqueBy(list, (c) => c.name, 'name', 'give each config its own name', ctx),
      ),
    /**
     * Kernel images on the worker hosts, or sources to build ({ tree, ref: a branch, config? }: each
     * night tests the branch's head at its start, kernelHeads records it); none: each host's newest.
     */
    kernels: z
      .array(z.union([z.string().startsWith('/', 'give an absolute path to a kernel image'), KernelSource]))
      .max(MAX_KERNELS, `at most ${MAX_KERNELS} kernels; split the matrix`)
      .default([])
      .superRefine((list, ctx) => uniqueBy(list, kernelLabel, undefined, 'list each kernel once', ctx)),
    tests: RunSpec.shape.tests,
    groups: RunSpec.shape.groups,
    excludeGroups: RunSpec.shape.excludeGroups,
    excludeFile: RunSpec.shape.excludeFile,
    /** Tests that must run alone: no other test of their config × kernel runs beside them. */
    exclusive: z.array(TestName).max(1000).default([]),
    /** VMs per config × kernel that share its tests. */
    shards: z.number().int().min(1).max(16, 'at most 16 shards per config × kernel').default(1),
    flakyRetries: RunSpec.shape.flakyRetries,
    /** Per-test hang timeouts for every run of the matrix (RunSpec's hang). */
    hang: RunSpec.shape.hang.optional(),
    /** For every run of the matrix: how long a step waits for a lost host (RunSpec's default: 300). */
    hostLossTimeoutSec: HostLossTimeoutSec.optional(),
    /**
     * For every shard: how long its claim may wait for a host (claim-deadline.ts). Past it the shard
     * ends unclaimed, the matrix completes and its notification says no test ran. `fsto schedule
     * create` sets it to the gap between nights when the spec does not.
     */
    claimWithinSec: RunSpec.shape.claimWithinSec,
    baseline: Baseline.optional(),
    /** Opt-in: rerun each regression against the baseline to confirm it (confirm.ts). */
    confirm: ConfirmSpec.optional(),
    /**
     * Opt-in: a confirmed regression starts a bisection from the previous night's commit to this
     * night's (auto-bisect.ts). Needs `confirm` and kernels built from git (refused otherwise).
     */
    autoBisect: AutoBisectSpec.optional(),
    /** Who hears about each night (notify.ts): a webhook, mail. */
    notify: NotifySpec.optional(),
    vm: RunVmOptions.optional(),
  })
  .superRefine((m, ctx) => {
    if (!m.autoBisect) return;
    // Refused before anything starts: a bisection needs a confirmed regression and two commits.
    if (!m.confirm)
      ctx.addIssue({
        code: 'custom',
        path: ['autoBisect'],
        message: 'bisects confirmed regressions only: add confirm: {} (e.g. confirm: { maxRuns: 10 })',
      });
    const image = m.kernels.findIndex((k) => !isKernelSource(k));
    if (m.kernels.length === 0 || image >= 0)
      ctx.addIssue({
        code: 'custom',
        path: ['autoBisect'],
        message: `needs kernels built from git: give kernels as { tree, ref: a branch }${
          image >= 0 ? ` (kernels[${image}] is an image path)` : " (none is given: each host's newest image)"
        }`,
      });
  });
export type MatrixSpecInput = z.input<typeof MatrixSpec>;
export type MatrixSpec = z.output<typeof MatrixSpec>;

function uniqueBy<T>(
  list: readonly T[],
  key: (t: T) => string,
  field: string | undefined,
  fix: string,
  ctx: z.RefinementCtx,
): void {
  const seen = new Map<string, number>();
  list.forEach((item, i) => {
    const k = key(item);
    const first = seen.get(k);
    if (first === undefined) seen.set(k, i);
    else
      ctx.addIssue({
        code: 'custom',
        path: field ? [i, field] : [i],
        message: `${JSON.stringify(k)} is also at [${first}]; ${fix}`,
      });
  });
}

/** How a run's kernel is named when the matrix lists none: each host's newest image. */
export const HOST_NEWEST_KERNEL = 'host-newest';

export interface MatrixRunPlan {
  /** The config's name. */
  config: string;
  /** The kernel image path, `tree@ref` of a source, or HOST_NEWEST_KERNEL. */
  kernel: string;
  spec: RunSpecInput;
  /** Known failures of this config; apply them once the kernel release is known. */
  expunge: ExpungeEntry[];
}

/** One run per config × kernel, configs outermost, in the order given. Pure. */
export function runSpecsOf(matrix: MatrixSpec): MatrixRunPlan[] {
  const kernels: (KernelSpec | undefined)[] = matrix.kernels.length > 0 ? matrix.kernels : [undefined];
  return matrix.configs.flatMap((c) =>
    kernels.map((kernel) => ({
      config: c.name,
      kernel: kernel === undefined ? HOST_NEWEST_KERNEL : kernelLabel(kernel),
      expunge: c.expunge,
      spec: {
        fstests: matrix.fstests,
        fs: c.fs,
        ...(kernel !== undefined ? { kernel } : {}),
        tests: matrix.tests,
        groups: matrix.groups,
        excludeGroups: matrix.excludeGroups,
        ...(matrix.excludeFile !== undefined ? { excludeFile: matrix.excludeFile } : {}),
        flakyRetries: matrix.flakyRetries,
        ...(c.devices !== undefined ? { devices: c.devices } : {}),
        ...(matrix.vm !== undefined ? { vm: matrix.vm } : {}),
        ...(matrix.hang !== undefined ? { hang: matrix.hang } : {}),
        ...(matrix.hostLossTimeoutSec !== undefined ? { hostLossTimeoutSec: matrix.hostLossTimeoutSec } : {}),
        ...(matrix.claimWithinSec !== undefined ? { claimWithinSec: matrix.claimWithinSec } : {}),
        ...(c.mkfsOptions !== undefined ? { mkfsOptions: c.mkfsOptions } : {}),
        ...(c.mountOptions !== undefined ? { mountOptions: c.mountOptions } : {}),
        ...(c.configFile !== undefined ? { configFile: c.configFile } : {}),
        ...(c.section !== undefined ? { section: c.section } : {}),
        ...(c.vars !== undefined ? { vars: c.vars } : {}),
      },
    })),
  );
}
