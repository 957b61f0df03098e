import { DefaultLogger, makeTelemetryFilterString, Runtime, type LogLevel } from '@temporalio/worker';
import { logLine } from './log-line';
import { fstoEnv } from '../activities/settings';

let installed = false;

/**
 * Install the Temporal runtime once per process: SDK log level (the CLI wants quiet, a
 * long-running worker wants INFO) and format (fsto's, workers/log-line.ts) and, when asked, the
 * Prometheus endpoint for its metrics.
 */
export function installRuntime(
  o: { logLevel?: LogLevel; prometheusBind?: string; shutdownSignals?: NodeJS.Signals[] } = {},
): void {
  if (installed) return;
  const level = (fstoEnv('FSTO_LOG_LEVEL') as LogLevel | undefined) ?? o.logLevel ?? 'WARN';
  Runtime.install({
    // One line per record in fsto's format, on stderr (the SDK's own writes a multi-line object).
    logger: new DefaultLogger(level, (e) => process.stderr.write(`${logLine(e)}\n`)),
    // The CLI handles Ctrl-C itself (cancel the run, then detach); `fsto worker` keeps the SDK's.
    ...(o.shutdownSignals ? { shutdownSignals: o.shutdownSignals } : {}),
    telemetryOptions: {
      // The core's own lines through the same logger and level (by default it writes WARN and up
      // to the console itself: a stale query's warning reached the terminal of an embedded run).
      logging: { forward: {}, filter: makeTelemetryFilterString({ core: level, other: level }) },
      ...(o.prometheusBind ? { metrics: { prometheus: { bindAddress: o.prometheusBind } } } : {}),
    },
  });
  // Only once it stands: a failed install (the metrics port taken) leaves nothing behind and may
  // be tried again with another port (workers/metrics-bind.ts).
  installed = true;
}
