import { Client, Connection } from '@temporalio/client';
import { NativeConnection, Runtime, type Worker } from '@temporalio/worker';
import type { NativeConnectionOptions } from '@temporalio/worker';
import { probeCapabilities } from '../activities/host/capabilities';
import { retentionFromEnv } from '../activities/host/retention';
import { Ledger } from '../activities/ledger/ledger';
import { serverOwner } from '../activities/ledger/owner';
import { type ReapReport } from '../activities/ledger/reaper';
import { hostId as defaultHostId, stateDir as defaultStateDir, fstoEnv } from '../activities/settings';
import { mkdir, realpath } from 'node:fs/promises';
import { join } from 'node:path';
import type { HostCapabilities } from '../common/schemas';
import { WORKFLOW_QUEUE } from '../common/queues';
import { createWorkers } from './workers';
import { startReaper } from './periodic-reaper';
import { countHeldDevices, createMetrics } from './metrics';
import { hostReleasers } from './releasers';
import { probeKvm } from '../activities/vm';
import type { WorkerDeploymentVersion } from '@temporalio/common';
import { promote, type PromoteResult } from './promote';
import { hostVersion, type Versioning } from './host-version';
import { setCurrentArgv } from './versioning';

export interface HostOptions {
  connection: NativeConnectionOptions;
  namespace: string;
  workflowQueue?: string;
  stateDir?: string;
  hostId?: string;
  log?: (line: string) => void;
  auditToStderr?: boolean;
  /** Record fsto's metrics on the runtime's meter (served when the runtime has a Prometheus endpoint). */
  metrics?: boolean;
  /** How often the reaper runs while the host is up (default: env FSTO_REAP_INTERVAL_SEC, else 300 s). */
  reapIntervalMs?: number;
  /** VM slots of this host (default: env FSTO_VM_SLOTS, else one per two cores). */
  vmSlots?: number;
  /** A prebuilt workflow bundle (tests); otherwise bundled from the sources. */
  workflowBundle?: { codePath: string };
  /** The bundle's content key: this host's version when versioning is on (workers/versioning.ts). */
  buildId?: string;
  /** Default: env FSTO_VERSIONING, else 'auto' (on with a build id, unless the server is a dev server). */
  versioning?: Versioning;
  /** Make this version current at start even if another is (the operator's promotion). */
  makeCurrent?: boolean;
}

export interface Host {
  capabilities: HostCapabilities;
  /** The host's own client of the server (namespace included), open until close(). */
  client: Client;
  workers: Worker[];
  reaped: ReapReport;
  /** This host's deployment version, when versioned. */
  version?: WorkerDeploymentVersion;
  /** The promotion attempt (after the workers began polling); undefined when unversioned. */
  promoted: Promise<PromoteResult | undefined>;
  close(): Promise<void>;
}

/**
 * Everything a host does before it takes work: probe what it can do, release what closed runs
 * of its own server left behind (the reaper, again every few minutes while it is up), then
 * create its workers.
 */
export async function startHost(o: HostOptions): Promise<Host> {
  const log = o.log ?? ((l: string) => console.error(l));
  const stateDir = await canonicalStateDir(o.stateDir ?? defaultStateDir());
  const hostId = o.hostId ?? defaultHostId(stateDir);
  // A real short KVM boot: /dev/kvm existing proves nothing on these hosts (docs/architecture.md, Facts).
  // FSTO_KVM_PROBE=skip: a host known to be TCG-only (saves the probe's 20 s boot timeout).
  const probe =
    fstoEnv('FSTO_KVM_PROBE') === 'skip' ? { ok: false, reason: 'FSTO_KVM_PROBE=skip' } : await probeKvm();
  log(JSON.stringify({ msg: 'KVM probe', ok: probe.ok, reason: probe.reason }));
  const kvm = probe.ok;
  const vmSlots = o.vmSlots ?? (Number(fstoEnv('FSTO_VM_SLOTS')) || undefined);
  const capabilities = await probeCapabilities({ hostId, kvm, ...(vmSlots ? { vmSlots } : {}) });

  const connection = await Connection.connect(o.connection);
  const client = new Client({ connection, namespace: o.namespace });
  const ledger = new Ledger(join(stateDir, 'ledger'));
  const metrics = o.metrics ? createMetrics(Runtime.instance().metricMeter) : undefined;
  const owner = await serverOwner(connection, o.namespace, o.connection.address);
  const reaper = startReaper({
    ledger,
    hostQueue: capabilities.hostQueue,
    stateDir,
    client: client.workflow,
    owner,
    releasers: hostReleasers({ stateDir }),
    intervalMs: o.reapIntervalMs ?? reapIntervalMs(),
    log,
    retention: retentionFromEnv(),
    ...(metrics ? { onReleased: (n: number) => metrics.reaperReleased(n) } : {}),
  });
  const reaped = await reaper.atStart;
  const refreshDevices = () =>
    void countHeldDevices(ledger).then(
      (n) => metrics?.devicesHeld(n),
      () => {},
    );
  const gauge = metrics ? setInterval(refreshDevices, 15_000) : undefined;
  gauge?.unref();
  refreshDevices();
  log(
    JSON.stringify({
      msg: 'reaper at worker start',
      hostId,
      server: owner,
      released: reaped.released.length,
      failed: reaped.failed,
      moved: reaped.movedRuns,
    }),
  );

  const version = await hostVersion(connection, o.workflowQueue ?? WORKFLOW_QUEUE, o);
  const native = await NativeConnection.connect(o.connection);
  const workers = await createWorkers({
    connection: native,
    namespace: o.namespace,
    clientConnection: connection,
    capabilities,
    stateDir,
    workflowQueue: o.workflowQueue,
    ...(o.workflowBundle ? { workflowBundle: o.workflowBundle } : {}),
    ...(version ? { version } : {}),
    auditToStderr: o.auditToStderr,
    ...(metrics ? { metrics } : {}),
  });
  // Once the workers poll, the server knows the version: only then can it become current.
  const promoted = version
    ? promote(connection.workflowService, o.namespace, version, o.makeCurrent ? 'always' : 'if-none').then(
        (r) => {
          const waiting = r.current !== version.buildId;
          // Not current: new runs start on the current build until an operator promotes this one.
          const how = waiting ? { promoteWith: setCurrentArgv(version, o.namespace).join(' ') } : {};
          log(JSON.stringify({ msg: 'worker version', ...version, ...r, ...how }));
          return r;
        },
        (err: unknown) => {
          log(JSON.stringify({ msg: 'worker version not promoted', ...version, error: String(err) }));
          return undefined;
        },
      )
    : Promise.resolve(undefined);
  return {
    capabilities,
    client,
    workers,
    reaped,
    ...(version ? { version } : {}),
    promoted,
    async close() {
      await promoted;
      clearInterval(gauge);
      await reaper.stop();
      await native.close();
      await connection.close();
    },
  };
}

/** The kernel records canonical loop backing-file paths: use the state dir's realpath throughout. */
export async function canonicalStateDir(dir: string): Promise<string> {
  await mkdir(dir, { recursive: true });
  return realpath(dir);
}

function reapIntervalMs(): number {
  const sec = Number(fstoEnv('FSTO_REAP_INTERVAL_SEC') ?? 300);
  return (Number.isFinite(sec) && sec > 0 ? sec : 300) * 1000;
}
