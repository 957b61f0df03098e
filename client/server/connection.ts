import { readFile } from 'node:fs/promises';
import type { Command } from 'commander';
import type { NativeConnectionOptions } from '@temporalio/worker';

// Connection options follow the Temporal CLI's flags and environment variables, so a
// Temporal operator's existing environment just works.

export interface ConnectOpts {
  address?: string;
  namespace: string;
  tlsCertPath?: string;
  tlsKeyPath?: string;
  tlsCaPath?: string;
  tlsServerName?: string;
  apiKey?: string;
}

export function addConnectionOptions(cmd: Command): Command {
  const env = process.env;
  return cmd
    .option(
      '--address <host:port>',
      'Temporal frontend (env TEMPORAL_ADDRESS); none: embedded dev server',
      env.TEMPORAL_ADDRESS,
    )
    .option(
      '--namespace <ns>',
      'Temporal namespace (env TEMPORAL_NAMESPACE)',
      env.TEMPORAL_NAMESPACE ?? 'default',
    )
    .option(
      '--tls-cert-path <file>',
      'TLS client certificate (env TEMPORAL_TLS_CLIENT_CERT_PATH)',
      env.TEMPORAL_TLS_CLIENT_CERT_PATH,
    )
    .option(
      '--tls-key-path <file>',
      'TLS client key (env TEMPORAL_TLS_CLIENT_KEY_PATH)',
      env.TEMPORAL_TLS_CLIENT_KEY_PATH,
    )
    .option('--tls-ca-path <file>', 'TLS server CA (env TEMPORAL_TLS_CA_PATH)', env.TEMPORAL_TLS_CA_PATH)
    .option(
      '--tls-server-name <name>',
      'TLS server name (env TEMPORAL_TLS_SERVER_NAME)',
      env.TEMPORAL_TLS_SERVER_NAME,
    )
    .option('--api-key <key>', 'API key (env TEMPORAL_API_KEY)', env.TEMPORAL_API_KEY);
}

/** Options for Connection/NativeConnection.connect; TLS when a cert, CA or API key is given. */
export async function connectionOptions(
  o: ConnectOpts & { address: string },
): Promise<NativeConnectionOptions> {
  const wantsTls = Boolean(o.tlsCertPath || o.tlsCaPath || o.apiKey || o.tlsServerName);
  if (Boolean(o.tlsCertPath) !== Boolean(o.tlsKeyPath)) {
    throw new Error('--tls-cert-path and --tls-key-path go together: give both or neither');
  }
  return {
    address: o.address,
    ...(o.apiKey ? { apiKey: o.apiKey } : {}),
    ...(wantsTls
      ? {
          tls: {
            ...(o.tlsServerName ? { serverNameOverride: o.tlsServerName } : {}),
            ...(o.tlsCaPath ? { serverRootCACertificate: await readFile(o.tlsCaPath) } : {}),
            ...(o.tlsCertPath && o.tlsKeyPath
              ? { clientCertPair: { crt: await readFile(o.tlsCertPath), key: await readFile(o.tlsKeyPath) } }
              : {}),
          },
        }
      : {}),
  };
}
