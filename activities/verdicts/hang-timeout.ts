import type { CheckTimes } from './checktime';

// How long a test may run before the orchestrator calls it hung (pure):
//   max(floorSec, factor × last duration), or defaultSec without history. The history is this
// host's own (activities/fstests/history.ts); floorSec keeps quick tests from being killed by a
// slow moment.

export interface HangTimeoutOptions {
  floorSec?: number;
  factor?: number;
  defaultSec?: number;
}

export const HANG_DEFAULTS = { floorSec: 300, factor: 5, defaultSec: 1800 } as const;

export function hangTimeoutSec(test: string, times: CheckTimes, opts: HangTimeoutOptions = {}): number {
  const { floorSec, factor, defaultSec } = { ...HANG_DEFAULTS, ...opts };
  const last = times.get(test);
  if (last === undefined) return Math.max(floorSec, defaultSec);
  return Math.max(floorSec, Math.ceil(factor * last));
}

/** How a test's timeout came about, for the reason of a hung verdict. */
export function hangTimeoutWhy(test: string, times: CheckTimes, opts: HangTimeoutOptions = {}): string {
  const { floorSec, factor, defaultSec } = { ...HANG_DEFAULTS, ...opts };
  const sec = hangTimeoutSec(test, times, opts);
  const last = times.get(test);
  const from =
    last === undefined ? `no history: the default ${defaultSec} s` : `${factor} × its last ${last} s`;
  return `${sec} s (${from}, floor ${floorSec} s)`;
}
