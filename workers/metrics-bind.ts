import type { LogLevel } from '@temporalio/worker';
import { installRuntime } from './runtime';

/** Ports tried after the default one when it is taken (another `fsto worker` on this host). */
export const METRICS_PORTS_TRIED = 16;

const inUse = (err: unknown) => /address already in use|os error 98|EADDRINUSE/i.test(String(err));

function splitBind(bind: string): { host: string; port: number } {
  const m = /^(.*):(\d+)$/.exec(bind);
  const port = Number(m?.[2]);
  if (!m || !m[1] || !(port > 0 && port < 65536))
    throw new Error(`--metrics ${bind}: not HOST:PORT (e.g. 127.0.0.1:9464) or off`);
  return { host: m[1], port };
}

/**
 * Install the runtime with its Prometheus endpoint and return the address it serves on. The
 * runtime binds the port itself (and fails at once when it is taken), so no probe can race it:
 * when the address was the default, the next ports are tried in turn — a second worker on the
 * host takes 9465; when the operator named it (--metrics), a taken port is refused with the fix.
 */
export function installRuntimeWithMetrics(o: { logLevel?: LogLevel; bind: string; named: boolean }): string {
  const { host, port } = splitBind(o.bind);
  const tries = o.named ? 1 : METRICS_PORTS_TRIED;
  for (let i = 0; i < tries && port + i < 65536; i++) {
    const bind = `${host}:${port + i}`;
    try {
      installRuntime({ ...(o.logLevel ? { logLevel: o.logLevel } : {}), prometheusBind: bind });
      return bind;
    } catch (err) {
      if (!inUse(err)) throw new Error(`--metrics ${bind}: ${(err as Error).message}`);
    }
  }
  const which = o.named ? o.bind : `${o.bind} and the ${tries - 1} ports after it`;
  throw new Error(
    `--metrics: ${which} already in use (another fsto worker on this host?); ` +
      'pass --metrics HOST:PORT with a free port, or --metrics off',
  );
}
