import { z } from 'zod';

export const TestName = z
  .string()
  .regex(/^[a-z0-9_-]+\/[0-9A-Za-z_-]+$/, 'a test is named like generic/001 (directory/number)');

/** `fsto/<phase>`: a run's verdict on where its guest died outside any test; not one of its tests. */
export const isPseudoTest = (name: string): boolean => name.startsWith('fsto/');

/** A group name as `check -g/-x` take it. */
export const GroupName = z
  .string()
  .regex(/^[a-z0-9_-]{1,64}$/, 'a group is lower-case letters, digits, - or _');

export const Verdict = z.enum(['pass', 'fail', 'notrun', 'crashed', 'hung', 'expunged', 'error']);
export type Verdict = z.infer<typeof Verdict>;

/** The one rule for which verdicts fail a run (and count as failures in comparisons). */
export const FAILING_VERDICTS: ReadonlySet<Verdict> = new Set<Verdict>(['fail', 'crashed', 'hung']);
export const isFailing = (v: Verdict): boolean => FAILING_VERDICTS.has(v);
/** A test that ran to a verdict of its own: it passed or failed (not skipped, expunged or error). */
export const RAN_VERDICTS: ReadonlySet<Verdict> = new Set<Verdict>(['pass', ...FAILING_VERDICTS]);

/** Worst first: of several verdicts for one test (iterations, kernels), the worst speaks. */
const WORST_FIRST: readonly Verdict[] = ['crashed', 'hung', 'fail', 'error', 'expunged', 'pass', 'notrun'];
export const worstVerdict = (vs: readonly Verdict[]): Verdict =>
  WORST_FIRST.find((v) => vs.includes(v)) ?? 'error';

/**
 * A reason that crosses a workflow boundary is at most this long: the whole text (diff, console
 * excerpt) stays in the host's files, which the reason names. Keeps payloads bounded.
 */
export const REASON_MAX = 600;
export function capReason(reason: string): string {
  return reason.length <= REASON_MAX ? reason : `${reason.slice(0, REASON_MAX - 20)}\n… (cut; see the files)`;
}

/**
 * All of one run's (or one batch's) reasons together: at most about this many characters. Past it,
 * a reason keeps its first line, cut to REASON_BRIEF, and points to the files; so what a run ships
 * (its batch results, its summary, its cleanup's inputs) grows by ~250 bytes a test at most, not
 * by REASON_MAX (3,000 failing tests: ~0.9 MB instead of ~2 MB; fstests has ~1,900 tests in all).
 */
export const RUN_REASONS_MAX = 200_000;
export const REASON_BRIEF = 120;
const briefReason = (reason: string): string =>
  `${reason.split('\n', 1)[0]!.slice(0, REASON_BRIEF)}\n… (cut: this run's reasons passed ${RUN_REASONS_MAX / 1000} kB; see the files)`;

/**
 * Keeps the reasons of a stream of verdicts within RUN_REASONS_MAX, first come first kept. A test
 * recorded again (a retry, the cleanup's merge) gives back the room its earlier reason took.
 */
export class ReasonBudget {
  private used = 0;
  /** What each test's kept reason counts against the budget (a cut one counts nothing). */
  private readonly counted = new Map<string, number>();
  constructor(private readonly max = RUN_REASONS_MAX) {}

  /** `r` as it fits: its reason whole while the budget lasts, else its first line and a pointer. */
  fit<T extends { name: string; reason?: string }>(r: T): T {
    this.used -= this.counted.get(r.name) ?? 0;
    this.counted.delete(r.name);
    const length = r.reason?.length ?? 0;
    if (this.used + length <= this.max) {
      this.used += length;
      this.counted.set(r.name, length);
      return r;
    }
    const brief = briefReason(r.reason!);
    return brief.length < length ? { ...r, reason: brief } : r;
  }
}

/** A list of verdicts with their reasons within the budget (see ReasonBudget). */
export function fitReasons<T extends { name: string; reason?: string }>(results: readonly T[]): T[] {
  const budget = new ReasonBudget();
  return results.map((r) => budget.fit(r));
}

export const TestResult = z.object({
  name: z.string(),
  verdict: Verdict,
  durationSec: z.number().nonnegative(),
  reason: z.string().optional(),
  crashSignature: z.string().optional(),
  /** Set when the test failed and then passed on a retry: how many attempts it took. */
  flakyAttempts: z.number().int().positive().optional(),
});
export type TestResult = z.infer<typeof TestResult>;
