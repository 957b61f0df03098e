// How a worker stops (SIGINT/SIGTERM), in the SDK's terms. For `grace`, steps in flight may
// finish (quick host steps take seconds); then the SDK cancels what still runs: a batch stops
// its VM (poweroff through the agent, 10 s; SIGTERM, 5 s; SIGKILL, 5 s — activities/vm/
// supervisor.ts) and its attempt fails, to be resumed on this host's queue when a worker is back.
// `force` bounds the whole: past it the SDK gives up waiting and the process exits. Whatever
// supervises the worker (compose's stop_grace_period, systemd's TimeoutStopSec) must allow more.

/** The longest a VM takes to stop, with room to record it in the ledger. */
export const VM_STOP_BUDGET_MS = 30_000;

export const SHUTDOWN = {
  graceMs: 10_000,
  forceMs: 10_000 + 2 * VM_STOP_BUDGET_MS,
} as const;
