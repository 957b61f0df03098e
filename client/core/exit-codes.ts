import type { FailureKind } from '../../common/errors';
import type { RunStatus } from '../../common/schemas';

// Exit codes scripts and CI can rely on.
export const EXIT = {
  ok: 0,
  testsFailed: 1,
  badInput: 2,
  infraError: 3,
  cancelled: 4,
  /** The kernel source (--kernel-tree/--ref, a bisection step) did not build. */
  buildFailed: 5,
} as const;

/**
 * `fsto run --bisect-exit`, for `git bisect run`: tests failed → 1 (bad), passed → 0 (good), an
 * infrastructure error or a kernel that did not build → 125 (skip this commit), bad input or a
 * cancellation → 255 (git stops the bisection), an interrupt stays 128 + signal (git stops too).
 */
export function bisectExit(code: number): number {
  switch (code) {
    case EXIT.ok:
    case EXIT.testsFailed:
      return code;
    case EXIT.infraError:
    case EXIT.buildFailed:
      return 125;
    case EXIT.badInput:
    case EXIT.cancelled:
      return 255;
    default:
      return code > 128 ? code : 255;
  }
}

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
    case 'kernel build failed':
      return EXIT.buildFailed;
  }
}
