// Who may start work on the cluster (too slow to set up for CI; run by hand after
// `sudo bash scripts/cluster.sh up`):  npx tsx bench/cluster-tls.ts [/var/lib/fsto-cluster/env]
// The frontend requires mutual TLS with a certificate of the cluster's own CA
// (scripts/cluster-tls.sh). Each client below asks the real server for its system info; the
// oracle is the server's answer or refusal. Exit 1 when any outcome is not the expected one.
import { readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Connection, type ConnectionOptions } from '@temporalio/client';
import { execa } from 'execa';
import { clusterEnv } from './cluster-hosts';

const env = await clusterEnv(process.argv[2] ?? '/var/lib/fsto-cluster/env');
const address = env.TEMPORAL_ADDRESS!;
const ca = await readFile(env.TEMPORAL_TLS_CA_PATH!);
const serverNameOverride = env.TEMPORAL_TLS_SERVER_NAME;
const own = {
  crt: await readFile(env.TEMPORAL_TLS_CLIENT_CERT_PATH!),
  key: await readFile(env.TEMPORAL_TLS_CLIENT_KEY_PATH!),
};
// A certificate of another CA (self-signed), as someone who made their own would hold.
const [k, c] = [join(tmpdir(), 'fsto-intruder.key'), join(tmpdir(), 'fsto-intruder.pem')];
await execa('openssl', ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-days', '1', '-subj', '/CN=intruder', '-keyout', k, '-out', c]); // prettier-ignore
const intruder = { crt: await readFile(c), key: await readFile(k) };

async function answered(tls: ConnectionOptions['tls']): Promise<string> {
  try {
    const conn = await Connection.connect({ address, tls, connectTimeout: 5000 });
    const info = await conn.workflowService.getSystemInfo({});
    await conn.close();
    return `answered (server ${info.serverVersion})`;
  } catch (err) {
    return `refused: ${(err as Error).message.split('\n')[0]}`;
  }
}

const cases: [string, Parameters<typeof answered>[0], boolean][] = [
  ['plaintext', undefined, false],
  ['TLS, no client certificate', { serverRootCACertificate: ca, serverNameOverride }, false],
  [
    "TLS, another CA's client certificate",
    { serverRootCACertificate: ca, serverNameOverride, clientCertPair: intruder },
    false,
  ],
  [
    "TLS, the cluster's client certificate (env file)",
    { serverRootCACertificate: ca, serverNameOverride, clientCertPair: own },
    true,
  ],
];
let bad = 0;
for (const [name, tls, ok] of cases) {
  const got = await answered(tls);
  const pass = got.startsWith('answered') === ok;
  if (!pass) bad++;
  console.log(`${pass ? 'ok  ' : 'FAIL'} ${name}: ${got}`);
}
const ui = await fetch(`${env.FSTO_UI_URL}/api/v1/namespaces/default`)
  .then((r) => r.status)
  .catch(() => 0);
console.log(
  `${ui === 200 ? 'ok  ' : 'FAIL'} the Web UI reaches the frontend with the client certificate: HTTP ${ui}`,
);
if (ui !== 200) bad++;
process.exitCode = bad ? 1 : 0;
