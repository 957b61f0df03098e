import type { FailureKind } from '../common/errors';
import type { RunStatus } from '../common/schemas';

// Exit codes scripts and CI can rely on.
export const EXIT = {
  ok: 0,
  testsFailed: 1,
  badInput: 2,
  infraError: 3,
  cancelled: 4,
} as const;

export function exitCodeFor(status: RunStatus): number {
  switch (status) {
    case 'passed':
      return EXIT.ok;
    case 'failed':
      return EXIT.testsFailed;
    case 'cancelled':
      return EXIT.cancelled;
    case 'error':
      return EXIT.infraError;
  }
}

/** A run or matrix that failed (no summary): its exit code, from the kind of its failure. */
export function exitCodeForFailure(kind: FailureKind): number {
  switch (kind) {
    case 'bad input':
      return EXIT.badInput;
    case 'infrastructure':
      return EXIT.infraError;
  }
}
