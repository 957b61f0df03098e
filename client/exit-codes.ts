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
