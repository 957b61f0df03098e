import { z } from 'zod';
import { DeviceSetSpec } from './device-set';
import { HangPolicy, RunVmOptions, type BatchInput } from './batch';
import { PullSource } from './pull';
import { ExpungeEntry } from './results';
import { GroupName, isFailing, TestName, TestResult } from './tests';
import { ConfigValue, ConfigVars, SectionName } from './config-vars';
import { HostLossTimeoutSec } from './host-loss';
import { ClaimWithinSec } from './claim-deadline';
import { KernelSpec } from './kernel-source';

/** What a run asks for. Unknown fields are refused: a typo must never pass silently. */
export const RunSpec = z
  .strictObject({
    /** Absolute path on the host to an fstests build (the directory holding `check`). */
    fstests: z
      .string()
      .startsWith('/', 'give an absolute path to the fstests directory (the one holding ./check)'),
    /** FSTYP: xfs, ext4, btrfs, … */
    fs: z.string().regex(/^[a-z0-9]{2,16}$/, 'give a filesystem type such as xfs, ext4 or btrfs'),
    /**
     * Kernel image or build tree on the host (default: the host's newest /boot/vmlinuz-*), or a
     * source to build first: `{ tree, ref, config?, fragments? }` (kernel-source.ts).
     */
    kernel: KernelSpec.optional(),
    tests: z.array(TestName).default([]),
    groups: z.array(GroupName).default([]),
    excludeGroups: z.array(GroupName).default([]),
    /** `check -e a,b`: single tests left out (kvm-xfstests' -X). */
    excludeTests: z.array(TestName).default([]),
    /** `check -E FILE`: an exclude file on the host. */
    excludeFile: z.string().startsWith('/', 'give an absolute path to the exclude file').optional(),
    /** Use only a KVM-capable host (claim on the fstests-kvm queue). */
    requireKvm: z.boolean().default(false),
    /** Re-run each failed test up to N times in a fresh VM to tell flaky from failing. */
    flakyRetries: z.number().int().min(0).max(10).default(0),
    /**
     * How many VMs in a row may end without adding a verdict (a panic at boot, in mkfs or in the
     * listing) before the run gives up and says where. A crash inside a test is that test's verdict
     * and never counts: the run goes on in a fresh VM.
     */
    maxVmRestarts: z.number().int().min(0).max(50).default(2),
    /** TEST_DEV, SCRATCH_DEV, …: a profile and/or explicit devices (default: fstests_default). */
    devices: DeviceSetSpec.optional(),
    vm: RunVmOptions.default(RunVmOptions.parse({})),
    mkfsOptions: ConfigValue.optional(),
    mountOptions: ConfigValue.optional(),
    /** More variables for the generated local.config: SOAK_DURATION, FSX_AVOID, LOAD_FACTOR, … */
    vars: ConfigVars.default({}),
    /** Your own fstests config file (host path) and the section of it to run. */
    configFile: z.string().startsWith('/', 'give an absolute path to the config file').optional(),
    section: SectionName.optional(),
    hang: HangPolicy.default(HangPolicy.parse({})),
    /**
     * `check -i N`: run the selection N times in each VM; every iteration's verdict is kept on the
     * host (<batch>/iterations.json) and a test's verdict is the worst of them.
     */
    iterations: z.number().int().min(1).max(100).default(1),
    /**
     * `check -L N`: a test that fails runs N more times right away; every run's verdict is kept
     * (iterations.json), fstests' aggregate line goes into the reason, and the first failure
     * counts (the test fails), as by hand.
     */
    loopOnFail: z.number().int().min(0).max(100).default(0),
    /**
     * How long a step waits for its host's worker before the run counts the host as lost and
     * claims another (Temporal's scheduleToStartTimeout on the host queue).
     */
    hostLossTimeoutSec: HostLossTimeoutSec.default(300),
    /** How long the claim may wait for a host to take it (claim-deadline.ts); unset: no limit. */
    claimWithinSec: ClaimWithinSec.optional(),
    /** Known failures: a failing test listed here (for this kernel release) counts as expunged. */
    expunge: z.array(ExpungeEntry).max(1000).default([]),
    /** How results are filed in the host's results store (default: config = fs). Set by fstestsMatrix. */
    resultsMeta: z
      .strictObject({
        /** A config's name: `xfs`, `xfs/4k`, a matrix's config name. */
        config: z.string().regex(/^[A-Za-z0-9._-]{1,64}(\/[A-Za-z0-9._-]{1,64})?$/),
        matrixId: z.string().optional(),
      })
      .optional(),
    /** Set by fstestsMatrix: take tests one at a time from the matrix instead of running them all. */
    pull: PullSource.optional(),
  })
  .superRefine((spec, ctx) => {
    // Your own config file is passed through unchanged: what fsto would generate has no place in it.
    if (spec.configFile === undefined) return;
    for (const field of ['mkfsOptions', 'mountOptions'] as const) {
      if (spec[field] !== undefined)
        ctx.addIssue({
          code: 'custom',
          path: [field],
          message: 'not with configFile: set it in your config file',
        });
    }
    if (Object.keys(spec.vars).length)
      ctx.addIssue({
        code: 'custom',
        path: ['vars'],
        message: 'not with configFile: set them in your config file',
      });
  });
export type RunSpecInput = z.input<typeof RunSpec>;
export type RunSpec = z.output<typeof RunSpec>;

export const RunStatus = z.enum(['passed', 'failed', 'cancelled', 'error']);
export type RunStatus = z.infer<typeof RunStatus>;

/** What a failure means to whoever started the run (common/errors' FAILURE_KINDS, checked there). */
export const RunFailureKind = z.enum(['bad input', 'infrastructure', 'kernel build failed']);
export type RunFailureKind = z.infer<typeof RunFailureKind>;

/** The workflow's result, and what `fsto run --json` / `fsto results --json` print. */
export const RunSummary = z.object({
  workflowId: z.string(),
  status: RunStatus,
  /** fstests' own results directory on the host. */
  resultsDir: z.string(),
  hostId: z.string(),
  kernelRelease: z.string().optional(),
  /** What --kernel named: an image, or a build tree (its bzImage and the modules it built). */
  kernel: z.strictObject({ kind: z.enum(['image', 'tree']), path: z.string(), image: z.string() }).optional(),
  /** The kernel was built from git: the commit, `git describe`, config hash, cache hit. */
  build: z
    .object({ commit: z.string(), describe: z.string(), configHash: z.string(), cached: z.boolean() })
    .optional(),
  tests: z.array(TestResult),
  /** Against the previous run of the same config on this host: regressed only for new failures. */
  outcome: z.enum(['regressed', 'improved', 'unchanged']).optional(),
  /** The run's HTML report on the host. */
  report: z.string().optional(),
  /** Why a matrix shard's run ended early (it returns its verdicts instead of failing). */
  error: z.string().optional(),
  /** And what kind of failure that was (its exit code: client/core/exit-codes.ts). */
  failure: RunFailureKind.optional(),
  /** Its devices or VMs could not all be released (the reaper retries): beside the verdicts. */
  releaseError: z.string().optional(),
  /** Its results could not be recorded in the store nor its report written: the verdicts stand. */
  filingError: z.string().optional(),
});
export type RunSummary = z.infer<typeof RunSummary>;

/** What every guest batch of a run takes from its spec (fsto shell's guest too). */
export function batchSettings(
  spec: RunSpec,
): Pick<
  BatchInput,
  'fstests' | 'fs' | 'vm' | 'mkfsOptions' | 'mountOptions' | 'vars' | 'configFile' | 'section' | 'hang'
> {
  return {
    fstests: spec.fstests,
    fs: spec.fs,
    vm: spec.vm,
    mkfsOptions: spec.mkfsOptions,
    mountOptions: spec.mountOptions,
    ...(Object.keys(spec.vars).length ? { vars: spec.vars } : {}),
    configFile: spec.configFile,
    section: spec.section,
    hang: spec.hang,
  };
}

/** The status a run's results are recorded with: cancelled stays cancelled, else its verdicts'. */
export function recordedStatus(
  summary: Pick<RunSummary, 'status'>,
  tests: readonly Pick<TestResult, 'verdict'>[],
): RunStatus {
  return summary.status === 'cancelled' ? 'cancelled' : runStatusOf(tests);
}

/** A run is failed when any test failed (isFailing); error when a test could not be run. */
export function runStatusOf(tests: readonly Pick<TestResult, 'verdict'>[]): RunStatus {
  if (tests.some((t) => isFailing(t.verdict))) return 'failed';
  return tests.some((t) => t.verdict === 'error') ? 'error' : 'passed';
}

export const RunPhase = z.enum([
  'claiming',
  'building',
  'preparing',
  'devices',
  'testing',
  'retrying',
  'cleanup',
  'done',
]);
export type RunPhase = z.infer<typeof RunPhase>;

/** What the `progress` query answers: enough for `fsto watch` and the UI's current details. */
export const RunProgress = z.object({
  phase: RunPhase,
  hostId: z.string().optional(),
  currentTest: z.string().optional(),
  done: z.number().int().nonnegative(),
  total: z.number().int().nonnegative(),
  etaSec: z.number().nonnegative().optional(),
  /** Verdicts so far, in the order tests finished. */
  finished: z.array(TestResult),
});
export type RunProgress = z.infer<typeof RunProgress>;
