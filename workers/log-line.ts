import type { LogEntry } from '@temporalio/worker';

// The SDK's and the core's log records, written as fsto writes its own log lines: one JSON object
// per line (level, msg, the record's fields), not the SDK's multi-line object dump. An error in a
// field becomes its message; a bigint its digits.

export function logLine(e: LogEntry): string {
  const { sdkComponent, ...meta } = (e.meta ?? {}) as { sdkComponent?: string } & Record<string, unknown>;
  return JSON.stringify(
    {
      time: new Date(Number(e.timestampNanos / 1_000_000n)).toISOString(),
      level: e.level.toLowerCase(),
      msg: e.message,
      ...(sdkComponent ? { component: sdkComponent } : {}),
      ...meta,
    },
    (_k, v: unknown) => (v instanceof Error ? String(v) : typeof v === 'bigint' ? v.toString() : v),
  );
}
