import { randomBytes } from 'node:crypto';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { join } from 'node:path';

// Host-side settings, all overridable by environment so tests and CI use their own dirs.

export const TEMPORAL_CLI_VERSION = '1.5.1';
/** The server that CLI is built against (deploy/temporal-cli/go.mod): its embedded dev server. */
export const TEMPORAL_CLI_SERVER_VERSION = '1.29.7';

/** The server the embedded default runs (as a cluster does: scripts/cluster.sh) and its Web UI server. */
export const TEMPORAL_SERVER_VERSION = '1.32.2';
export const TEMPORAL_UI_VERSION = '2.56.4';

/** The Temporal server binary scripts/setup-host.sh builds (with its SQLite schema files beside it). */
export function temporalServerDir(): string {
  return fstoEnv('FSTO_TEMPORAL_SERVER_DIR') ?? `/var/cache/fsto/temporal-server-v${TEMPORAL_SERVER_VERSION}`;
}

/** The Temporal Web UI server binary scripts/setup-host.sh builds. */
export function temporalUiBin(): string {
  return fstoEnv('FSTO_TEMPORAL_UI_BIN') ?? `/var/cache/fsto/temporal-ui-v${TEMPORAL_UI_VERSION}/server`;
}

/** Where runs, the ledger and the embedded server's SQLite file live. */
export function stateDir(): string {
  return fstoEnv('FSTO_STATE_DIR') ?? '/var/lib/fsto';
}

/** Its cache dir, named by both versions (scripts/setup-host.sh and scripts/cluster.sh name it alike). */
const temporalCliDir = () => `temporal-v${TEMPORAL_CLI_VERSION}-server${TEMPORAL_CLI_SERVER_VERSION}`;

/** The Temporal CLI that scripts/setup-host.sh builds into a version-checked cache dir. */
export function temporalBin(): string {
  return fstoEnv('FSTO_TEMPORAL_BIN') ?? `/var/cache/fsto/${temporalCliDir()}/temporal`;
}

/** virtme-ng, pinned; scripts/setup-host.sh installs it into a venv of Debian's python3. */
export const VIRTME_NG_VERSION = '1.42';

/** The vng launcher (env FSTO_VNG_BIN overrides); its venv's bin dir also holds virtme-run. */
export function vngBin(): string {
  return fstoEnv('FSTO_VNG_BIN') ?? `/var/cache/fsto/virtme-ng-${VIRTME_NG_VERSION}/bin/vng`;
}

/**
 * A host id stable across restarts (so its queue, and the cleanup queued on it, survive),
 * unique between hosts: hostname plus a random suffix persisted in the state dir.
 */
export function hostId(dir = stateDir()): string {
  const fixed = fstoEnv('FSTO_HOST_ID');
  if (fixed) return fixed;
  const file = join(dir, 'host-id');
  try {
    return readFileSync(file, 'utf8').trim();
  } catch {
    mkdirSync(dir, { recursive: true });
    const id = `${hostname().replace(/[^A-Za-z0-9-]/g, '-')}-${randomBytes(3).toString('hex')}`;
    writeFileSync(file, `${id}\n`);
    return id;
  }
}

/**
 * Every FSTO_* environment variable fsto's own code reads, read here and nowhere else (eslint
 * refuses `process.env.FSTO_*` outside this file); each one's meaning beside it, the fuller story in README.
 */
export type FstoVar =
  | 'FSTO_STATE_DIR' // state dir (runs, ledger, embedded server's SQLite)
  | 'FSTO_CONFIG_DIR' // the user's config dir (client/core/user-config.ts)
  | 'FSTO_HOST_CONFIG' // the worker's host.yaml (allowlists)
  | 'FSTO_HOST_ID' // a fixed host id
  | 'FSTO_TEMPORAL_BIN' // the Temporal CLI
  | 'FSTO_TEMPORAL_SERVER_DIR' // the Temporal server binary and its schema files (the embedded server)
  | 'FSTO_TEMPORAL_UI_BIN' // the Temporal Web UI server (the embedded server's UI)
  | 'FSTO_VNG_BIN' // virtme-ng's launcher
  | 'FSTO_RESULTS_URL' // the results store: postgres://… (a cluster's)
  | 'FSTO_RESULTS_DB' // the results store: a SQLite file
  | 'FSTO_UI_URL' // a cluster's Web UI (links in the CLI and notifications)
  | 'FSTO_SENDMAIL' // the sendmail notifications go through
  | 'FSTO_NOTIFY_WEBHOOK' // every night's notification: a JSON POST
  | 'FSTO_NOTIFY_MAIL' // every night's notification: addresses
  | 'FSTO_KEEP_NIGHTS' // retention: runs younger than N × 24 h
  | 'FSTO_KEEP_BYTES' // retention: the newest B bytes of runs
  | 'FSTO_MIN_FREE_BYTES' // a run refuses to start below this free space
  | 'FSTO_VM_SLOTS' // VMs a host runs at once
  | 'FSTO_VERSIONING' // worker versioning: auto, on, off
  | 'FSTO_KVM_PROBE' // skip: no KVM probe (a TCG-only host)
  | 'FSTO_REAP_INTERVAL_SEC' // the reaper's period
  | 'FSTO_LOG_LEVEL'; // the Temporal runtime's log level

/** The variable as set ('' included), or undefined. */
export const fstoEnv = (name: FstoVar): string | undefined => process.env[name];

/** The variables as a record, for readers that take them as a parameter (tests pass their own). */
export type FstoEnv = Partial<Record<FstoVar, string>>;
export const fstoEnvs = (): FstoEnv => process.env as FstoEnv;

/**
 * `fsto worker --results-url`: set for the whole process (and the store's worker thread, which
 * shares its environment), so that every place that opens the store finds the same one.
 */
export function setResultsUrl(url: string): void {
  process.env.FSTO_RESULTS_URL = url;
}
