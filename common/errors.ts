import { ApplicationFailure } from '@temporalio/common';
import { z } from 'zod';
import type { RunFailureKind } from './schemas/run';

// The failure types fsto throws (ApplicationFailure.type), known by name to the workflow (what it
// does not retry) and to the CLI (its exit code: client/core/exit-codes.ts). Every one is listed here.

/** Bad input that only the host could see (no `check` in the tree, an unknown test, a config refused). */
export const INVALID_SPEC = 'InvalidSpec';
/** The host cannot run this spec (no kernel installed, not root, over its tmpfs budget). */
export const HOST_UNSUITABLE = 'HostUnsuitable';
/** The kernel panicked while the VM booted (booting it again panics again). */
export const VM_BOOT_CRASHED = 'VmBootCrashed';
/** The VM did not come up (QEMU died, the guest agent never answered); retried. */
export const VM_BOOT_FAILED = 'VmBootFailed';

/** A matrix shard's batch attempt asked its cell after a newer attempt had (workflows/cell.ts). */
export const STALE_PULL = 'StalePull';

/** The kernel source did not build (configure or make failed): the commit's outcome, not a test's. */
export const KERNEL_BUILD_FAILED = 'KernelBuildFailed';

/**
 * No host took the run's claim within its claimWithinSec (every slot held, or nobody polls):
 * the run ends with no test run, its matrix completes and says so (workflows/run.ts).
 */
export const UNCLAIMED = 'Unclaimed';

/** A command preparing the guest (mkdir, mkfs of TEST_DEV) failed there; retried (a new VM). */
export const GUEST_SETUP_FAILED = 'GuestSetupFailed';
/** `check -n` (listing the selection) failed in the guest; retried. */
export const LISTING_FAILED = 'ListingFailed';
/** A run's loop device cannot be found again by its backing file (the file is gone). */
export const DEVICE_GONE = 'DeviceGone';

/** What each failure means to whoever started the run. */
export const FAILURE_KINDS = {
  [INVALID_SPEC]: 'bad input',
  [HOST_UNSUITABLE]: 'infrastructure',
  [VM_BOOT_CRASHED]: 'infrastructure',
  [VM_BOOT_FAILED]: 'infrastructure',
  [STALE_PULL]: 'infrastructure',
  [KERNEL_BUILD_FAILED]: 'kernel build failed',
  [UNCLAIMED]: 'infrastructure',
  [GUEST_SETUP_FAILED]: 'infrastructure',
  [LISTING_FAILED]: 'infrastructure',
  [DEVICE_GONE]: 'infrastructure',
} as const;
export type FailureType = keyof typeof FAILURE_KINDS;
export type FailureKind = (typeof FAILURE_KINDS)[FailureType];
/** The schema that carries a kind across workflows (common/schemas' RunFailureKind) has them all. */
const _everyKindInTheSchema: [FailureKind] extends [RunFailureKind]
  ? [RunFailureKind] extends [FailureKind]
    ? true
    : never
  : never = true;
void _everyKindInTheSchema;

/**
 * A failure of fsto's host library (activities' modules, called by an activity or, as `fsto shell`
 * does, by the CLI itself): one of the types above, whether trying again may help, and details.
 * Library code throws this and no Temporal type; the activity factories turn it into an
 * ApplicationFailure in one place (activities/failures.ts). failureKind reads either.
 */
export class FstoError extends Error {
  override readonly name = 'FstoError';
  readonly retryable: boolean;
  readonly details: readonly unknown[];
  constructor(
    message: string,
    readonly type: FailureType,
    o: { retryable?: boolean; details?: readonly unknown[]; cause?: unknown } = {},
  ) {
    super(message, o.cause === undefined ? undefined : { cause: o.cause });
    this.retryable = o.retryable ?? false;
    this.details = o.details ?? [];
  }
}

/**
 * The kind of a failure, from the type of the innermost ApplicationFailure of its cause chain (a
 * run's failure is WorkflowFailedError → ActivityFailure → ApplicationFailure). Anything fsto did
 * not name (a timeout, a lost host, a bug) is an infrastructure error.
 */
export function failureKind(err: unknown): FailureKind {
  const type = rootFailureType(err);
  return type && type in FAILURE_KINDS ? FAILURE_KINDS[type as FailureType] : 'infrastructure';
}

/**
 * What several failures together mean (a cell's shards, a matrix's cells): their kind when they
 * all share one (a missing one counts as infrastructure), else infrastructure; undefined for none.
 */
export function commonFailureKind(kinds: readonly (FailureKind | undefined)[]): FailureKind | undefined {
  const set = new Set(kinds.map((k) => k ?? 'infrastructure'));
  if (set.size === 0) return undefined;
  return set.size === 1 ? [...set][0] : 'infrastructure';
}

/** The type of the innermost ApplicationFailure (or FstoError) in a failure's cause chain. */
export function rootFailureType(err: unknown): string | undefined {
  let type: string | undefined;
  for (let e: unknown = err; e instanceof Error; e = e.cause) {
    if ((e instanceof ApplicationFailure || e instanceof FstoError) && e.type) type = e.type;
  }
  return type;
}

/** Edit distance, for "did you mean" on a mistyped field. */
function distance(a: string, b: string): number {
  const row = Array.from({ length: b.length + 1 }, (_, i) => i);
  for (let i = 1; i <= a.length; i++) {
    let prev = row[0]!;
    row[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const cur = row[j]!;
      row[j] = Math.min(row[j]! + 1, row[j - 1]! + 1, prev + (a[i - 1] === b[j - 1] ? 0 : 1));
      prev = cur;
    }
  }
  return row[b.length]!;
}

/** The object schema at `path` inside `schema`, to know which fields were expected there. */
function knownKeysAt(schema: z.ZodType, path: readonly PropertyKey[]): string[] {
  let s: z.ZodType | undefined = schema;
  for (const key of path) {
    while (s instanceof z.ZodOptional || s instanceof z.ZodDefault) s = s.unwrap() as z.ZodType;
    if (s instanceof z.ZodObject) s = (s.shape as Record<string, z.ZodType>)[String(key)];
    else if (s instanceof z.ZodArray) s = s.element as z.ZodType;
    else return [];
  }
  while (s instanceof z.ZodOptional || s instanceof z.ZodDefault) s = s.unwrap() as z.ZodType;
  return s instanceof z.ZodObject ? Object.keys(s.shape) : [];
}

/** One line per problem: `field: message`, so the user sees what to change. */
export function describeZodError(err: z.ZodError, schema?: z.ZodType): string {
  return err.issues
    .flatMap((i) => {
      const at = (k?: string) => [...i.path, ...(k ? [k] : [])].join('.') || '(spec)';
      if (i.code !== 'unrecognized_keys') return [`${at()}: ${i.message}`];
      const known = schema ? knownKeysAt(schema, i.path) : [];
      return i.keys.map((k) => {
        const near = known
          .filter((n) => distance(n, k) <= 3 || n.startsWith(k) || k.startsWith(n))
          .sort((a, b) => distance(a, k) - distance(b, k))[0];
        const hint = near
          ? `did you mean "${near}"?`
          : known.length
            ? `known fields: ${known.join(', ')}`
            : '';
        return `${at(k)}: unknown field; ${hint || 'remove it'}`;
      });
    })
    .join('\n');
}

/** The input parsed, or the message naming each bad field and its fix. */
function parsed<T extends z.ZodType>(
  schema: T,
  input: unknown,
  what: string,
): { data: z.output<T> } | string {
  const res = schema.safeParse(input);
  return res.success ? { data: res.data } : `invalid ${what}:\n${describeZodError(res.error, schema)}`;
}

/** Parse or throw a non-retryable failure naming the field and the fix (in a workflow). */
export function parseOrFail<T extends z.ZodType>(schema: T, input: unknown, what: string): z.output<T> {
  const res = parsed(schema, input, what);
  if (typeof res === 'string') throw ApplicationFailure.nonRetryable(res, INVALID_SPEC);
  return res.data;
}

/** parseOrFail for the host library: the same message, as an FstoError. */
export function parseOrThrow<T extends z.ZodType>(schema: T, input: unknown, what: string): z.output<T> {
  const res = parsed(schema, input, what);
  if (typeof res === 'string') throw new FstoError(res, INVALID_SPEC);
  return res.data;
}

/** "Activity task failed" says nothing: follow the cause chain to what actually went wrong. */
export function rootMessage(err: unknown): string {
  let e: unknown = err;
  while (e instanceof Error && e.cause instanceof Error) e = e.cause;
  return e instanceof Error ? e.message : String(e);
}
