import type { Priority } from '@temporalio/common';

// Task queue priority (server ≥ 1.29 with matching.useNewMatcher; on by default from 1.30): a
// claim waiting for a host's VM slot is dispatched lowest key first (1 … 5; unset is 3), FIFO
// within a key. A person waiting at a terminal goes before a bisection, which goes before a matrix
// started by hand, which goes before a night. Children and activities inherit their workflow's
// key: a night's cells, shards, confirmations and auto-bisections all stay at `nightly`.

export const PRIORITY = {
  /** fsto run: someone is watching the terminal. */
  interactive: { priorityKey: 1 },
  /** fsto bisect: someone waits for the culprit. */
  bisect: { priorityKey: 2 },
  /** fsto matrix started by hand. */
  matrix: { priorityKey: 3 },
  /** A Schedule's matrix: the night has hours. */
  nightly: { priorityKey: 4 },
} as const satisfies Record<string, Priority>;
