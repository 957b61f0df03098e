import { existsSync } from 'node:fs';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { runOk } from '../../activities/process';
import { TEMPORAL_SERVER_VERSION, temporalServerDir } from '../../activities/settings';

// The embedded server's SQLite file names, beside it, the server version that last brought it
// to its schema. The server makes its schema only in a new file; a file an older server made (the
// Temporal CLI's dev server, 1.29.x, before fsto ran the server binary) is upgraded in place by
// deploy/temporal/sqlite-upgrade.py, after a copy of it is kept.

const UPGRADE_SCRIPT = fileURLToPath(new URL('../../deploy/temporal/sqlite-upgrade.py', import.meta.url));
const stampFile = (dbFile: string) => `${dbFile}.server-version`;

/** The server's own schema files (scripts/setup-host.sh copies them out of its Go module). */
export const sqliteSchemaFiles = (serverDir = temporalServerDir()) =>
  ['temporal', 'visibility'].map((s) => join(serverDir, 'schema', 'sqlite', 'v3', s, 'schema.sql'));

/** Upgrade the file if an older server made it; returns what was done, for the user, or undefined. */
export async function upgradeEmbeddedDb(dbFile: string): Promise<string | undefined> {
  if (!existsSync(dbFile)) return undefined;
  const was = (await readFile(stampFile(dbFile), 'utf8').catch(() => '')).trim();
  if (was === TEMPORAL_SERVER_VERSION) return undefined;
  const backup = `${dbFile}.before-${TEMPORAL_SERVER_VERSION}`;
  const done = await runOk(['python3', UPGRADE_SCRIPT, dbFile, backup, ...sqliteSchemaFiles()]);
  await markEmbeddedDb(dbFile);
  return (
    `the embedded server's ${dbFile} (made by ${was ? `server ${was}` : 'an older server'}) was upgraded ` +
    `to server ${TEMPORAL_SERVER_VERSION}'s schema: ${done.trim()}; the file as it was: ${backup}`
  );
}

/** Once the server runs on it: the file is at this server's schema. */
export const markEmbeddedDb = (dbFile: string) =>
  writeFile(stampFile(dbFile), `${TEMPORAL_SERVER_VERSION}\n`);
