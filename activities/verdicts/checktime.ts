// fstests' check.time: `generic/001 6` lines, the last passing run time of each test in seconds
// (check merges this run's times into it at the section's end; failed runs do not update it).
// Used for ETA and per-test hang timeouts.

export type CheckTimes = Map<string, number>;

export function parseCheckTime(text: string): CheckTimes {
  const times: CheckTimes = new Map();
  for (const line of text.split('\n')) {
    const m = /^\s*(\S+\/\S+)\s+(\d+(?:\.\d+)?)\s*$/.exec(line);
    if (m) times.set(m[1]!, Number(m[2]));
  }
  return times;
}

/** The same format, sorted by name (for writing back a merged history). */
export function formatCheckTime(times: CheckTimes): string {
  return [...times]
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([t, s]) => `${t} ${s}\n`)
    .join('');
}
