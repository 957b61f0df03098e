import { readFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { run } from '../../activities/process';
import {
  TEMPORAL_CLI_SERVER_VERSION,
  TEMPORAL_CLI_VERSION,
  TEMPORAL_SERVER_VERSION,
  TEMPORAL_UI_VERSION,
  temporalBin,
  temporalServerDir,
  temporalUiBin,
} from '../../activities/settings';
import { ALL_SEARCH_ATTRIBUTES } from '../../common/search-attributes';

// One pinned Temporal version (deploy/versions.env) across the CLI every host builds, the
// cluster scripts/cluster.sh runs, and docker-compose.yml. The oracle for what a binary is:
// the binary itself (`--version`), never our own files.

const root = join(dirname(fileURLToPath(import.meta.url)), '../..');
const text = (p: string) => readFile(join(root, p), 'utf8');
const versions = async () =>
  Object.fromEntries(
    (await text('deploy/versions.env'))
      .split('\n')
      .filter((l) => /^[A-Z_]+=/.test(l))
      .map((l) => l.split('=') as [string, string]),
  );
describe('deploy/versions.env', () => {
  it('is what setup-host.sh builds, settings.ts runs, and compose pulls', async () => {
    const v = await versions();
    expect(Object.keys(v).sort()).toEqual(
      [
        'POSTGRES_IMAGE_TAG',
        'TEMPORAL_CLI_SERVER_VERSION',
        'TEMPORAL_CLI_UI_VERSION',
        'TEMPORAL_CLI_VERSION',
        'TEMPORAL_GO_TOOLCHAIN',
        'TEMPORAL_SERVER_VERSION',
        'TEMPORAL_UI_VERSION',
      ].sort(),
    );
    expect(TEMPORAL_CLI_VERSION).toBe(v.TEMPORAL_CLI_VERSION);
    expect(TEMPORAL_CLI_SERVER_VERSION).toBe(v.TEMPORAL_CLI_SERVER_VERSION);
    // The embedded server fsto runs is the cluster's server and UI server.
    expect(TEMPORAL_SERVER_VERSION).toBe(v.TEMPORAL_SERVER_VERSION);
    expect(TEMPORAL_UI_VERSION).toBe(v.TEMPORAL_UI_VERSION);
    // The module every host builds the CLI from names the same CLI and server.
    const mod = await text('deploy/temporal-cli/go.mod');
    expect(/github\.com\/temporalio\/cli v(\S+)/.exec(mod)?.[1]).toBe(v.TEMPORAL_CLI_VERSION);
    expect(/go\.temporal\.io\/server v(\S+)/.exec(mod)?.[1]).toBe(v.TEMPORAL_CLI_SERVER_VERSION);
    expect(/github\.com\/temporalio\/ui-server\/v2 v(\S+)/.exec(mod)?.[1]).toBe(v.TEMPORAL_CLI_UI_VERSION);
    const setup = await text('scripts/setup-host.sh');
    expect(/^TEMPORAL_CLI_VERSION=(\S+)/m.exec(setup)?.[1]).toBe(v.TEMPORAL_CLI_VERSION);
    expect(/^TEMPORAL_CLI_SERVER_VERSION=(\S+)/m.exec(setup)?.[1]).toBe(v.TEMPORAL_CLI_SERVER_VERSION);

    const { services } = parse(await text('docker-compose.yml'), { merge: true }) as {
      services: Record<string, { image?: string }>;
    };
    // A compose cluster runs what scripts/cluster.sh runs (aligned image tags since 1.30).
    expect(services.temporal!.image).toBe(`temporalio/server:${v.TEMPORAL_SERVER_VERSION}`);
    expect(services['temporal-ui']!.image).toBe(`temporalio/ui:${v.TEMPORAL_UI_VERSION}`);
    expect(services['temporal-schema']!.image).toBe(`temporalio/admin-tools:${v.TEMPORAL_SERVER_VERSION}`);
    expect(services['temporal-init']!.image).toBe(`temporalio/admin-tools:${v.TEMPORAL_SERVER_VERSION}`);
    expect(services.postgresql!.image).toBe(`postgres:${v.POSTGRES_IMAGE_TAG}`);
  });

  it('matches the Temporal CLI this host built: its embedded server and UI', async () => {
    const v = await versions();
    const out = await run([temporalBin(), '--version']);
    expect(out.stdout).toContain(
      `(Server ${v.TEMPORAL_CLI_SERVER_VERSION}, UI ${v.TEMPORAL_CLI_UI_VERSION})`,
    );
  });

  it('matches the server, schema tool and UI server setup-host.sh built (the embedded server runs them)', async () => {
    const v = await versions();
    const serverDir = temporalServerDir();
    expect((await run([join(serverDir, 'server'), '--version'])).stdout.trim()).toBe(
      `temporal version ${v.TEMPORAL_SERVER_VERSION}`,
    );
    expect((await run([join(serverDir, 'sql'), '--version'])).stdout.trim()).toBe(
      `temporal-sql-tool version ${v.TEMPORAL_SERVER_VERSION}`,
    );
    expect((await run([temporalUiBin(), '--version'])).stdout.trim()).toBe(
      `Temporal UI version ${v.TEMPORAL_UI_VERSION}`,
    );
  });
});

describe('scripts/cluster.sh', () => {
  it('registers exactly our search attributes and reads its versions from deploy/versions.env', async () => {
    const script = await text('scripts/cluster.sh');
    const pairs = ALL_SEARCH_ATTRIBUTES.map(
      (k) => `${k.name}=${{ KEYWORD: 'Keyword', INT: 'Int' }[k.type as string] ?? k.type}`,
    );
    expect(/^SEARCH_ATTRIBUTES='([^']*)'/m.exec(script)?.[1]?.split(' ')).toEqual(pairs);
    expect(script).toMatch(/^\. "\$here\/deploy\/versions\.env"$/m);
    for (const f of [
      'scripts/cluster.sh',
      'scripts/cluster-db.sh',
      'scripts/cluster-build.sh',
      'scripts/cluster-tls.sh',
    ]) {
      expect((await run(['bash', '-n', join(root, f)])).exitCode, f).toBe(0);
      // No version outside versions.env (an IPv4 address is not one).
      expect(await text(f)).not.toMatch(/(?<![\d.])\d+\.\d+\.\d+(?![\d.])/);
    }
  });
});
