import { devServerSearchAttributeArgs } from '../common/search-attributes';

export interface DevServerOptions {
  bin: string;
  port: number;
  uiPort: number;
  dbFile: string;
  ip?: string;
  headless?: boolean;
}

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
    '--db-filename',
    o.dbFile,
    '--namespace',
    'default',
    ...devServerSearchAttributeArgs(),
    '--log-level',
    'warn',
  ];
}

export function uiLink(uiPort: number, namespace: string, workflowId: string): string {
  return `http://localhost:${uiPort}/namespaces/${encodeURIComponent(namespace)}/workflows/${encodeURIComponent(workflowId)}`;
}
