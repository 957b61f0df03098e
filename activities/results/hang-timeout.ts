import type { CheckTimes } from './checktime';

// How long a test may run before the orchestrator calls it hung (pure):
//   max(floorSec, factor × last duration × scale), or defaultSec without history.
// scale converts a history taken elsewhere (check.time from a KVM host) to this host (TCG is
// ~50× slower, DESIGN.md); floorSec keeps quick tests from being killed by a slow moment.

export interface HangTimeoutOptions {
  floorSec?: number;
  factor?: number;
  defaultSec?: number;
  scale?: number;
}

export const HANG_DEFAULTS = { floorSec: 300, factor: 5, defaultSec: 1800, scale: 1 } as const;

export function hangTimeoutSec(test: string, times: CheckTimes, opts: HangTimeoutOptions = {}): number {
  const { floorSec, factor, defaultSec, scale } = { ...HANG_DEFAULTS, ...opts };
  const last = times.get(test);
  if (last === undefined) return Math.max(floorSec, defaultSec);
  return Math.max(floorSec, Math.ceil(factor * last * scale));
}
