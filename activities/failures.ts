import { ApplicationFailure } from '@temporalio/common';
import { FstoError } from '../common/errors';

// Where the host library's failures become Temporal's, once: every activity factory returns its
// functions through `translated`. Below it, modules throw FstoError (common/errors.ts) or plain
// errors and know nothing of Temporal, so the CLI can call them directly (fsto shell).

/** A library failure as Temporal carries it: its type, message, details and retry policy kept. */
export function asFailure(err: unknown): unknown {
  if (!(err instanceof FstoError)) return err;
  return ApplicationFailure.create({
    message: err.message,
    type: err.type,
    nonRetryable: !err.retryable,
    details: [...err.details],
    ...(err.cause instanceof Error ? { cause: err.cause } : {}),
  });
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- any activity's signature
type Activity = (...args: any[]) => unknown;

/** An activity factory's functions, each translating the library's failures on the way out. */
export function translated<T extends Record<string, Activity>>(acts: T): T {
  const out: Record<string, Activity> = {};
  for (const [name, fn] of Object.entries(acts)) {
    out[name] = async (...args: unknown[]) => {
      try {
        return await fn(...args);
      } catch (err) {
        throw asFailure(err);
      }
    };
  }
  return out as T;
}
