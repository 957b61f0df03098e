import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { run, runOk } from '../activities/process';

// A throwaway PostgreSQL database (own role, own password) on this host's real PostgreSQL
// server (Debian's, as scripts/cluster.sh uses), started if it is down. Dropped by drop().

export const pgInstalled = existsSync('/usr/bin/pg_lsclusters');

const psql = (sql: string) =>
  runOk(['runuser', '-u', 'postgres', '--', 'psql', '-qtAX', '-v', 'ON_ERROR_STOP=1', '-c', sql]);

async function onlinePort(): Promise<number> {
  const list = async () =>
    (await runOk(['pg_lsclusters', '-h']))
      .split('\n')
      .filter(Boolean)
      .map((l) => l.split(/\s+/));
  let clusters = await list();
  const down = clusters.find((c) => c[3] !== 'online');
  if (!clusters.some((c) => c[3] === 'online') && down) {
    await run(['pg_ctlcluster', down[0]!, down[1]!, 'start']);
    clusters = await list();
  }
  const up = clusters.find((c) => c[3] === 'online');
  if (!up) throw new Error('no PostgreSQL cluster could be started (pg_lsclusters)');
  return Number(up[2]);
}

export async function throwawayDb(): Promise<{ url: string; drop: () => Promise<void> }> {
  const port = await onlinePort();
  const name = `fsto_t_${randomBytes(4).toString('hex')}`;
  const password = randomBytes(12).toString('hex');
  await psql(`CREATE ROLE ${name} LOGIN PASSWORD '${password}'`);
  await psql(`CREATE DATABASE ${name} OWNER ${name}`);
  return {
    url: `postgres://${name}:${password}@127.0.0.1:${port}/${name}`,
    drop: async () => {
      await psql(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      await psql(`DROP ROLE IF EXISTS ${name}`);
    },
  };
}
