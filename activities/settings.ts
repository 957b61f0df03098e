import { randomBytes } from 'node:crypto';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { join } from 'node:path';

// Host-side settings, all overridable by environment so tests and CI use their own dirs.

export const TEMPORAL_CLI_VERSION = '1.5.1';

/** Where runs, the ledger and the embedded server's SQLite file live. */
export function stateDir(): string {
  return process.env.FSTO_STATE_DIR ?? '/var/lib/fsto';
}

/** The Temporal CLI that scripts/setup-host.sh builds into a version-checked cache dir. */
export function temporalBin(): string {
  return process.env.FSTO_TEMPORAL_BIN ?? `/var/cache/fsto/temporal-v${TEMPORAL_CLI_VERSION}/temporal`;
}

/** virtme-ng, pinned; scripts/setup-host.sh installs it into a venv of Debian's python3. */
export const VIRTME_NG_VERSION = '1.42';

/** The vng launcher (env FSTO_VNG_BIN overrides); its venv's bin dir also holds virtme-run. */
export function vngBin(): string {
  return process.env.FSTO_VNG_BIN ?? `/var/cache/fsto/virtme-ng-${VIRTME_NG_VERSION}/bin/vng`;
}

/**
 * A host id stable across restarts (so its queue, and the cleanup queued on it, survive),
 * unique between hosts: hostname plus a random suffix persisted in the state dir.
 */
export function hostId(dir = stateDir()): string {
  if (process.env.FSTO_HOST_ID) return process.env.FSTO_HOST_ID;
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
