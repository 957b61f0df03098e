import { devServerSearchAttributeArgs } from '../../common/search-attributes';

export const DEFAULT_PORT = 7233;
export const DEFAULT_UI_PORT = 8233;
/** The embedded dev server's frontend on this host. */
export const devServerAddress = (port = DEFAULT_PORT) => `127.0.0.1:${port}`;

export interface DevServerOptions {
  bin: string;
  port: number;
  uiPort: number;
  dbFile: string;
  /** Named (not left to the server to pick) so that every port it listens on is known and guarded. */
  httpPort?: number;
  metricsPort?: number;
  ip?: string;
  headless?: boolean;
}

/**
 * Dynamic config the embedded server runs with (the cluster's and compose's is
 * deploy/temporal/dynamicconfig/fsto.yaml): task queue priority (common/priority.ts), which
 * server 1.29 dispatches only with its new matcher.
 */
const DEV_SERVER_DYNAMIC_CONFIG = ['matching.useNewMatcher=true'];
export const devServerDynamicConfigArgs = () =>
  DEV_SERVER_DYNAMIC_CONFIG.flatMap((v) => ['--dynamic-config-value', v]);

/** `temporal server start-dev` with our search attributes and a persistent SQLite file. */
export function devServerArgv(o: DevServerOptions): string[] {
  return [
    o.bin,
    'server',
    'start-dev',
    '--ip',
    o.ip ?? '127.0.0.1',
    '--port',
    String(o.port),
    ...(o.headless ? ['--headless'] : ['--ui-port', String(o.uiPort)]),
    ...(o.httpPort ? ['--http-port', String(o.httpPort)] : []),
    ...(o.metricsPort ? ['--metrics-port', String(o.metricsPort)] : []),
    '--db-filename',
    o.dbFile,
    '--namespace',
    'default',
    ...devServerSearchAttributeArgs(),
    ...devServerDynamicConfigArgs(),
    '--log-level',
    'warn',
  ];
}

/** The embedded server's Web UI. */
export const embeddedUiBase = (uiPort: number) => `http://localhost:${uiPort}`;
