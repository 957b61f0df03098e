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
