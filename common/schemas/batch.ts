import { z } from 'zod';
import { HeldDevices } from './device-plan';
import { GroupName, TestName, TestResult } from './tests';
import { PullSource } from './pull';
import { CrashReport, VmAccel, VmBackendName } from './vm';

// One batch = one VM boot on the claimed host: boot, (list the selection,) run `check` on the
// tests not yet done, stop. The workflow loops over batches after crashes and hangs.

/** The VM knobs a run may set; disks and shares come from the run itself. */
export const RunVmOptions = z.strictObject({
  /** qemu reaches the agent in ~10 s under TCG, virtme-ng in 25-50 s (bench/boot). */
  backend: VmBackendName.default('qemu'),
  cpus: z.number().int().min(1).max(64).default(2),
  memoryMiB: z.number().int().min(512).max(262144).default(2048),
  accel: VmAccel.default('auto'),
  cmdline: z
    .array(z.string().regex(/^[A-Za-z0-9._,=:/+@-]+$/, 'one plain kernel parameter per item'))
    .default([]),
});
export type RunVmOptions = z.output<typeof RunVmOptions>;

/** Per-test hang timeout: max(floorSec, factor × last duration), defaultSec without history. */
export const HangPolicy = z.strictObject({
  floorSec: z.number().positive().default(300),
  factor: z.number().positive().default(5),
  defaultSec: z.number().positive().default(1800),
});
export type HangPolicy = z.output<typeof HangPolicy>;

export const Selection = z.object({
  tests: z.array(TestName),
  groups: z.array(GroupName),
  excludeGroups: z.array(GroupName),
  /** `check -e a,b` (fsto run -X). */
  excludeTests: z.array(TestName).optional(),
  excludeFile: z.string().optional(),
});
export type Selection = z.infer<typeof Selection>;

export const BatchInput = z.object({
  runKey: z.string(),
  /** Names the batch's results dir: main-1, main-2 (after a crash), retry-1, … */
  label: z.string().regex(/^[a-z0-9-]+$/),
  fstests: z.string(),
  fs: z.string(),
  kernel: z.string(),
  /** The modules of a kernel build tree, installed for the guest (default: the host's for the release). */
  modulesDir: z.string().optional(),
  vm: RunVmOptions,
  devices: HeldDevices,
  /** The run's results dir on the host; the batch writes RESULT_BASE under it. */
  resultsDir: z.string(),
  selection: Selection,
  /** List the selection first (`check -n`) and return it; only the first batch needs to. */
  list: z.boolean(),
  mkfsOptions: z.string().optional(),
  mountOptions: z.string().optional(),
  /** More variables for the generated local.config (RunSpec.vars). */
  vars: z.record(z.string(), z.string()).optional(),
  /** The user's own config file (host path) and section, instead of a generated one. */
  configFile: z.string().optional(),
  section: z.string().optional(),
  hang: HangPolicy,
  /** `check -i N`: run the list N times; each iteration's verdict is kept, the worst counts. */
  iterations: z.number().int().min(1).max(100).optional(),
  /** `check -L N`: a failing test reruns N more times at once; every run's verdict is kept. */
  loopOnFail: z.number().int().min(1).max(100).optional(),
  pull: PullSource.optional(),
});
export type BatchInput = z.infer<typeof BatchInput>;

/**
 * How a batch (one VM boot) ended:
 * - completed: check exited; every test it was given has a verdict (one check gave none for is
 *   `error`, with check's exit status and the tail of its output);
 * - crashed: the guest died (kernel panic, VM gone); `at` names the test running, or `phase`
 *   says where it died when no test was running (boot, prepare, listing, check start-up);
 * - hung: the per-test watchdog fired on `at` (or check made no progress outside a test);
 * - tainted: the kernel logged a non-fatal oops/BUG/KASAN/hung-task/lockup during `at` and lived
 *   on; fstests gave `at` its verdict (fail, by _check_dmesg), and the batch stopped so that the
 *   rest run on an untainted kernel in a fresh VM.
 */
export const BatchEnd = z.enum(['completed', 'crashed', 'hung', 'tainted']);
export type BatchEnd = z.infer<typeof BatchEnd>;

/** Where a batch was when it ended outside any test. */
export const BatchPhase = z.enum(['boot', 'prepare', 'listing', 'check']);
export type BatchPhase = z.infer<typeof BatchPhase>;

export const BatchResult = z.object({
  /** The selection's tests in check's order (when input.list). */
  listed: z.array(z.string()).optional(),
  /** Expected seconds per listed test, from the host's check.time history (for the ETA). */
  expectedSec: z.record(z.string(), z.number()).optional(),
  finished: z.array(TestResult),
  ended: BatchEnd,
  /** The test running when the guest crashed, hung or was tainted. */
  at: z.string().optional(),
  /** Where the batch ended when it was not in a test (crashed or hung before/between tests). */
  phase: BatchPhase.optional(),
  crash: CrashReport.optional(),
  /** Unknown when the guest died during boot. */
  kernelRelease: z.string().optional(),
  accel: z.enum(['kvm', 'tcg']),
  bootSeconds: z.number(),
  /** fstests' RESULT_BASE of this batch, on the host. */
  resultBase: z.string(),
});
export type BatchResult = z.infer<typeof BatchResult>;

/**
 * Sent by the batch activity to its workflow as it goes (live progress): the listing once it is
 * known, then the tests finished since the last signal. Coalesced (at most one signal per
 * PROGRESS_SIGNAL_MIN_SEC, plus the listing), so a run's history does not grow with every test.
 */
export const BatchProgressSignal = z.object({
  label: z.string(),
  listed: z.array(z.string()).optional(),
  expectedSec: z.record(z.string(), z.number()).optional(),
  results: z.array(TestResult).optional(),
  /** The test check runs next, for the UI's current details. */
  next: z.string().optional(),
});
export type BatchProgressSignal = z.infer<typeof BatchProgressSignal>;

/** The shortest interval between two progress signals of one batch. */
export const PROGRESS_SIGNAL_MIN_SEC = 15;
