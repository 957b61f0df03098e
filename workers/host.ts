import { Client, Connection } from '@temporalio/client';
import { NativeConnection, Runtime, type Worker } from '@temporalio/worker';
import type { NativeConnectionOptions } from '@temporalio/worker';
import { probeCapabilities } from '../activities/host/capabilities';
import { Ledger } from '../activities/ledger/ledger';
import { reap, type ReapReport } from '../activities/ledger/reaper';
import { hostId as defaultHostId, stateDir as defaultStateDir } from '../activities/settings';
import { mkdir, realpath } from 'node:fs/promises';
import { join } from 'node:path';
import type { HostCapabilities } from '../common/schemas';
import { createWorkers } from './workers';
import { makeIsRunOpen } from './run-status';
import { countHeldDevices, createMetrics } from './metrics';
import { hostReleasers } from './releasers';
import { probeKvm } from '../activities/vm';

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
}

export interface Host {
  capabilities: HostCapabilities;
  workers: Worker[];
  reaped: ReapReport;
  close(): Promise<void>;
}

/**
 * Everything a host does before it takes work: probe what it can do, release what closed runs
 * left behind (the reaper), then create its workers.
 */
export async function startHost(o: HostOptions): Promise<Host> {
  const log = o.log ?? ((l: string) => console.error(l));
  const stateDir = await canonicalStateDir(o.stateDir ?? defaultStateDir());
  const hostId = o.hostId ?? defaultHostId(stateDir);
  // A real short KVM boot: /dev/kvm existing proves nothing on these hosts (DESIGN.md).
  // FSTO_KVM_PROBE=skip: a host known to be TCG-only (saves the probe's 20 s boot timeout).
  const probe =
    process.env.FSTO_KVM_PROBE === 'skip' ? { ok: false, reason: 'FSTO_KVM_PROBE=skip' } : await probeKvm();
  log(JSON.stringify({ msg: 'KVM probe', ok: probe.ok, reason: probe.reason }));
  const kvm = probe.ok;
  const capabilities = await probeCapabilities({ hostId, kvm });

  const connection = await Connection.connect(o.connection);
  const client = new Client({ connection, namespace: o.namespace });
  const ledger = new Ledger(join(stateDir, 'ledger'));
  const metrics = o.metrics ? createMetrics(Runtime.instance().metricMeter) : undefined;
  const reaped = await reap(ledger, makeIsRunOpen(client.workflow), hostReleasers({ stateDir }));
  metrics?.reaperReleased(reaped.released.length);
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
      released: reaped.released.length,
      failed: reaped.failed,
    }),
  );

  const native = await NativeConnection.connect(o.connection);
  const workers = await createWorkers({
    connection: native,
    namespace: o.namespace,
    clientConnection: connection,
    capabilities,
    stateDir,
    workflowQueue: o.workflowQueue,
    auditToStderr: o.auditToStderr,
    ...(metrics ? { metrics } : {}),
  });
  return {
    capabilities,
    workers,
    reaped,
    async close() {
      clearInterval(gauge);
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
