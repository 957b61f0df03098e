import { fileURLToPath } from 'node:url';

// The embedded server is the Temporal server binary (all four services in one process) on one
// SQLite file, with the Web UI server beside it: the newest that build here (activities/settings.ts),
// the same binaries scripts/cluster.sh runs on PostgreSQL. These build their config files (data, no I/O);
// the server reads YAML, of which JSON is a subset.

/** Every port the server and its UI listen on: all named, so that all are known and guarded. */
export interface EmbeddedPorts {
  frontend: number;
  ui: number;
  http: number;
  metrics: number;
  history: number;
  matching: number;
  worker: number;
  frontendMembership: number;
  historyMembership: number;
  matchingMembership: number;
  workerMembership: number;
}

/** The ports besides frontend and ui, picked free on each start. */
export const PICKED_PORTS = [
  'http',
  'metrics',
  'history',
  'matching',
  'worker',
  'frontendMembership',
  'historyMembership',
  'matchingMembership',
  'workerMembership',
] as const;

/** The cluster's dynamic config (task queue priority, search attributes read fresh): one file for both. */
export const DYNAMIC_CONFIG_FILE = fileURLToPath(
  new URL('../../deploy/temporal/dynamicconfig/fsto.yaml', import.meta.url),
);

const service = (grpcPort: number, membershipPort: number, ip: string, httpPort?: number) => ({
  rpc: { grpcPort, membershipPort, bindOnIP: ip, ...(httpPort ? { httpPort } : {}) },
});

export function embeddedServerConfig(o: { ports: EmbeddedPorts; dbFile: string; ip: string }) {
  const p = o.ports;
  const sqlite = {
    sql: {
      pluginName: 'sqlite',
      databaseName: o.dbFile,
      connectAddr: 'localhost',
      connectProtocol: 'tcp',
      // setup: the server makes its schema in a new file (an older server's: embedded-db.ts).
      connectAttributes: { cache: 'private', setup: 'true', journal_mode: 'wal', synchronous: '2' },
      maxConns: 1,
      maxIdleConns: 1,
      maxConnLifetime: '1h',
    },
  };
  return {
    log: { stdout: true, level: 'warn' },
    persistence: {
      defaultStore: 'sqlite',
      visibilityStore: 'sqlite',
      numHistoryShards: 1,
      datastores: { sqlite },
    },
    global: {
      membership: { maxJoinDuration: '30s', broadcastAddress: o.ip },
      metrics: {
        prometheus: { framework: 'tally', timerType: 'histogram', listenAddress: `${o.ip}:${p.metrics}` },
      },
    },
    services: {
      frontend: service(p.frontend, p.frontendMembership, o.ip, p.http),
      history: service(p.history, p.historyMembership, o.ip),
      matching: service(p.matching, p.matchingMembership, o.ip),
      worker: service(p.worker, p.workerMembership, o.ip),
    },
    clusterMetadata: {
      enableGlobalNamespace: false,
      failoverVersionIncrement: 10,
      masterClusterName: 'active',
      currentClusterName: 'active',
      clusterInformation: {
        active: {
          enabled: true,
          initialFailoverVersion: 1,
          rpcName: 'frontend',
          rpcAddress: `${o.ip}:${p.frontend}`,
        },
      },
    },
    dcRedirectionPolicy: { policy: 'noop' },
    dynamicConfigClient: { filepath: DYNAMIC_CONFIG_FILE, pollInterval: '10s' },
  };
}

/** The UI server's config (`<root>/ui/<UI_ENV>.yaml`): it reads no single file by name. */
export const UI_ENV = 'fsto-embedded';
export function embeddedUiConfig(o: { ports: EmbeddedPorts; ip: string }) {
  return {
    temporalGrpcAddress: `${o.ip}:${o.ports.frontend}`,
    host: o.ip,
    port: o.ports.ui,
    enableUi: true,
    defaultNamespace: 'default',
    showTemporalSystemNamespace: false,
    notifyOnNewVersion: false,
    cors: { cookieInsecure: true, allowOrigins: [] },
    auth: { enabled: false },
  };
}

export const embeddedServerArgv = (bin: string, configFile: string) => [
  bin,
  '--config-file',
  configFile,
  // No authorizer: the port guard keeps the server for its user (port-guard-rules.ts).
  '--allow-no-auth',
  'start',
];

export const embeddedUiArgv = (bin: string, root: string) => [
  bin,
  '--root',
  root,
  '--config',
  'ui',
  '--env',
  UI_ENV,
  'start',
];

/** The ports to guard: all of them (the UI's only when it runs). */
export const guardedPorts = (p: EmbeddedPorts, headless?: boolean): number[] =>
  Object.entries(p)
    .filter(([k]) => !(headless && k === 'ui'))
    .map(([, v]: [string, number]) => v);
