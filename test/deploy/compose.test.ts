import { access, readFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, inject, it } from 'vitest';
import { parse } from 'yaml';
import { run } from '../../activities/process';
import { temporalBin } from '../../activities/settings';
import { ALL_SEARCH_ATTRIBUTES } from '../../common/search-attributes';
import { SHUTDOWN } from '../../workers/shutdown';
import { connect, uniqueId } from '../helpers/temporal';

// docker-compose.yml cannot be brought up here (no Docker engine): we check its structure, the
// files it mounts, the Dockerfile against scripts/setup-host.sh, and run the init script (which
// the admin-tools container runs) for real against the harness's Temporal dev server.

const root = join(dirname(fileURLToPath(import.meta.url)), '../..');
const text = (p: string) => readFile(join(root, p), 'utf8');

interface Service {
  image?: string;
  build?: { context: string; dockerfile: string };
  command?: string[];
  entrypoint?: string[];
  environment?: Record<string, string>;
  ports?: string[];
  devices?: string[];
  volumes?: string[];
  depends_on?: Record<string, { condition: string }>;
  privileged?: boolean;
  healthcheck?: unknown;
  stop_grace_period?: string;
}
const compose = async () =>
  parse(await text('docker-compose.yml'), { merge: true }) as {
    services: Record<string, Service>;
    volumes: object;
  };

// Compose's own variable substitution, innermost first (no compose binary here): ${V}, ${V:-default}
// and ${V:?error} (refuses when V is unset or empty).
const interpolate = (raw: string, env: Record<string, string>): string => {
  const one = /\$\{([A-Za-z_][A-Za-z0-9_]*)(?:(:-|:\?)([^${}]*))?\}/;
  let s = raw;
  for (let m = one.exec(s); m; m = one.exec(s)) {
    const [all, name, op, arg] = m;
    const v = env[name!];
    if (op === ':?' && !v) throw new Error(`${name}: ${arg}`);
    s = s.replace(all, v || (op === ':-' ? arg! : ''));
  }
  return s;
};
const composeWith = async (env: Record<string, string>) =>
  parse(interpolate(await text('docker-compose.yml'), env), { merge: true }) as {
    services: Record<string, Service>;
  };

const saPairs = () =>
  ALL_SEARCH_ATTRIBUTES.map(
    (k) => `${k.name}=${{ KEYWORD: 'Keyword', INT: 'Int' }[k.type as string] ?? k.type}`,
  );

describe('docker-compose.yml', () => {
  it('has the server, its database and setup steps, the UI and a worker, with pinned images', async () => {
    const { services } = await compose();
    expect(Object.keys(services).sort()).toEqual(
      ['postgresql', 'temporal', 'temporal-init', 'temporal-schema', 'temporal-ui', 'worker'].sort(),
    );
    for (const [name, s] of Object.entries(services)) {
      expect(s.image, name).toMatch(/^[a-z0-9./-]+:\d+(\.\d+)+[\w.-]*$/); // a version, never latest
    }
    expect(services.temporal!.image).toMatch(/^temporalio\/server:/);
    expect(services['temporal-ui']!.image).toMatch(/^temporalio\/ui:/);
    expect(services.postgresql!.image).toMatch(/^postgres:/);
    // The same server as the cluster scripts/cluster.sh builds (deploy/versions.env says why).
    const cluster = await text('deploy/versions.env');
    const serverVersion = /^TEMPORAL_SERVER_VERSION=(\S+)/m.exec(cluster)?.[1];
    expect(serverVersion).toMatch(/^1\.\d+\.\d+$/);
    expect(services.temporal!.image).toBe(`temporalio/server:${serverVersion}`);
    expect(services['temporal-init']!.image).toBe(`temporalio/admin-tools:${serverVersion}`);
  });

  it('publishes the frontend and the UI, and orders start-up by health and completion', async () => {
    const { services } = await compose();
    expect(services.temporal!.ports).toEqual(['${FSTO_PUBLISH_IP:-127.0.0.1}:7233:7233']);
    expect(services['temporal-ui']!.ports).toEqual(['${FSTO_PUBLISH_IP:-127.0.0.1}:8080:8080']);
    expect(services.temporal!.environment).toMatchObject({ DB: 'postgres12', POSTGRES_SEEDS: 'postgresql' });
    expect(services.temporal!.healthcheck).toBeDefined();
    expect(services.postgresql!.healthcheck).toBeDefined();
    const dep = (s: string) => services[s]!.depends_on ?? {};
    expect(dep('temporal-schema')).toEqual({ postgresql: { condition: 'service_healthy' } });
    expect(dep('temporal')).toEqual({ 'temporal-schema': { condition: 'service_completed_successfully' } });
    expect(dep('temporal-init')).toEqual({ temporal: { condition: 'service_healthy' } });
    expect(dep('temporal-ui')).toEqual({ temporal: { condition: 'service_healthy' } });
    expect(dep('worker')).toEqual({ 'temporal-init': { condition: 'service_completed_successfully' } });
    for (const s of Object.values(services))
      for (const d of Object.keys(s.depends_on ?? {})) expect(services).toHaveProperty(d);
  });

  it('gives the worker KVM, loop devices, /boot and /lib/modules read-only, a state volume and the server', async () => {
    const { services, volumes } = await compose();
    const w = services.worker!;
    expect(w.build).toEqual({ context: '.', dockerfile: 'Dockerfile' });
    expect(w.command).toEqual(['worker', '--task-queue', 'fstests']);
    expect(w.privileged).toBe(true);
    expect(w.devices).toContain('/dev/kvm:/dev/kvm');
    expect(w.devices).toContain('/dev/loop-control:/dev/loop-control');
    const loops = (w.devices ?? []).filter((d) => /^\/dev\/loop\d+:\/dev\/loop\d+$/.test(d));
    expect(loops.length).toBeGreaterThanOrEqual(8);
    expect(w.volumes).toEqual(expect.arrayContaining(['/boot:/boot:ro', '/lib/modules:/lib/modules:ro']));
    const stateDir = w.environment!.FSTO_STATE_DIR!;
    const stateVolume = (w.volumes ?? []).find((v) => v.endsWith(`:${stateDir}`))?.split(':')[0];
    expect(volumes).toHaveProperty(stateVolume!); // a named volume: the ledger outlives the container
    // TEMPORAL_ADDRESS names the server service and the port it listens on.
    const address = /^\$\{FSTO_TEMPORAL_ADDRESS:-(.+)\}$/.exec(w.environment!.TEMPORAL_ADDRESS!)?.[1];
    const [host, port] = (address ?? '').split(':');
    expect(host).toBe('temporal');
    expect(services.temporal!.ports!.some((p) => p.endsWith(`:${port}`))).toBe(true);
    expect(services['temporal-ui']!.environment!.TEMPORAL_ADDRESS).toBe(address);
    expect(services['temporal-init']!.environment!.TEMPORAL_ADDRESS).toBe(address);
  });

  it('publishes nothing beyond localhost by default, and only where FSTO_PUBLISH_IP says', async () => {
    const published = (env: Record<string, string>) =>
      composeWith({ POSTGRES_PASSWORD: 'pw', ...env }).then(({ services }) =>
        Object.values(services).flatMap((s) => s.ports ?? []),
      );
    const byDefault = await published({});
    expect(byDefault.length).toBeGreaterThan(0);
    // host_ip:published:target; a bare "published:target" would listen on every interface.
    for (const p of byDefault) expect(p).toMatch(/^127\.0\.0\.1:\d+:\d+$/);
    for (const p of await published({ FSTO_PUBLISH_IP: '10.0.0.5' }))
      expect(p).toMatch(/^10\.0\.0\.5:\d+:\d+$/);
  });

  it('has no default database password: it refuses to start without POSTGRES_PASSWORD, and uses it everywhere', async () => {
    await expect(composeWith({})).rejects.toThrow(/POSTGRES_PASSWORD: set POSTGRES_PASSWORD in \.env/);
    await expect(composeWith({ POSTGRES_PASSWORD: '' })).rejects.toThrow(/POSTGRES_PASSWORD/);
    const { services } = await composeWith({ POSTGRES_PASSWORD: 'n0t-the-default' });
    const secrets = Object.values(services).flatMap((s) =>
      Object.entries(s.environment ?? {}).filter(([k]) => /PASSWORD|PWD|RESULTS_URL/.test(k)),
    );
    expect(secrets.map(([k]) => k).sort()).toEqual(
      ['FSTO_RESULTS_URL', 'POSTGRES_PASSWORD', 'POSTGRES_PWD', 'POSTGRES_PWD', 'SQL_PASSWORD'].sort(),
    );
    for (const [k, v] of secrets) expect(v, k).toContain('n0t-the-default');
  });

  it("lets a stopping worker stop its VMs: stop_grace_period exceeds the worker's own force time", async () => {
    const { services } = await compose();
    const m = /^(\d+)(s|m)$/.exec(services.worker!.stop_grace_period ?? '');
    const ms = Number(m?.[1]) * (m?.[2] === 'm' ? 60_000 : 1000);
    expect(ms).toBeGreaterThan(SHUTDOWN.forceMs);
  });

  it('registers exactly our search attributes, with the scripts and config it mounts present', async () => {
    const { services } = await compose();
    expect(services['temporal-init']!.environment!.FSTO_SEARCH_ATTRIBUTES!.split(' ')).toEqual(saPairs());
    for (const s of Object.values(services)) {
      for (const v of s.volumes ?? []) {
        if (v.startsWith('./')) await access(join(root, v.split(':')[0]!));
      }
      const script = s.entrypoint?.[1];
      if (script?.startsWith('/fsto/'))
        await access(join(root, 'deploy/temporal', script.slice('/fsto/'.length)));
    }
    const dyn = services.temporal!.environment!.DYNAMIC_CONFIG_FILE_PATH!;
    await access(join(root, 'deploy/temporal/dynamicconfig', dyn.split('/').pop()!));
    expect((await run(['sh', '-n', join(root, 'deploy/temporal/setup-db.sh')])).exitCode).toBe(0);
  });
});

describe('Dockerfile', () => {
  it('is node 20 pinned, installs what setup-host.sh installs, and runs ./fsto worker', async () => {
    const df = await text('Dockerfile');
    expect(df).toMatch(/^FROM node:20\.\d+\.\d+-bookworm-slim$/m);
    expect(df).toMatch(/^ENTRYPOINT \["\.\/fsto"\]$/m);
    expect(df).toMatch(/^CMD \["worker"\]$/m);
    const pkgs = /^pkgs=\(([^)]*)\)/m
      .exec(await text('scripts/setup-host.sh'))![1]!
      .split(/\s+/)
      .filter(Boolean);
    const installed = /apt-get install[^\n]*\\\n((?:.*\\\n)*)/.exec(df)![1]!.split(/[\s\\]+/);
    expect(pkgs.filter((p) => !installed.includes(p) && p !== 'python3-venv')).toEqual([]);
    const ignore = await text('.dockerignore');
    expect(ignore.split('\n')).toEqual(expect.arrayContaining(['node_modules', '.git']));
  });
});

describe('deploy/temporal/init.sh', () => {
  it('creates a namespace and our search attributes on a real server, and is idempotent', async () => {
    const env = await connect();
    const namespace = uniqueId('fsto-compose');
    const bin = temporalBin();
    const runInit = () =>
      run(['sh', join(root, 'deploy/temporal/init.sh')], {
        env: {
          PATH: `${dirname(bin)}:${process.env.PATH}`,
          TEMPORAL_ADDRESS: inject('temporalAddress'),
          FSTO_NAMESPACE: namespace,
          FSTO_RETENTION: '1d',
          FSTO_SEARCH_ATTRIBUTES: saPairs().join(' '),
        },
        timeoutMs: 60_000,
      });
    try {
      const first = await runInit();
      expect(first.exitCode, first.stderr).toBe(0);
      const second = await runInit();
      expect(second.exitCode, second.stderr).toBe(0);
      expect(second.stdout).toMatch(/search attribute FstoKernel exists/);
      const res = await env.client.connection.operatorService.listSearchAttributes({ namespace });
      const custom = res.customAttributes ?? {};
      for (const k of ALL_SEARCH_ATTRIBUTES) expect(Object.keys(custom)).toContain(k.name);
    } finally {
      await env.close();
    }
  });
});
