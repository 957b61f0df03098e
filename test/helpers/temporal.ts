import { randomBytes } from 'node:crypto';
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client, Connection } from '@temporalio/client';
import { NativeConnection, type Worker } from '@temporalio/worker';
import { afterAll, beforeAll, inject } from 'vitest';
import { probeCapabilities } from '../../activities/host/capabilities';
import type { HostCapabilities } from '../../common/schemas';
import { canonicalStateDir } from '../../workers/host';
import { createWorkers, runWorkers } from '../../workers/workers';

/** A client and a native connection to the harness's one real dev server. */
export async function connect(): Promise<{
  client: Client;
  connection: Connection;
  native: NativeConnection;
  close: () => Promise<void>;
}> {
  const address = inject('temporalAddress');
  const connection = await Connection.connect({ address });
  const native = await NativeConnection.connect({ address });
  return {
    client: new Client({ connection }),
    connection,
    native,
    close: async () => {
      await connection.close();
      await native.close();
    },
  };
}

export const uniqueId = (prefix: string) => `${prefix}-${randomBytes(4).toString('hex')}`;

export interface TestHost {
  workflowQueue: string;
  capabilities: HostCapabilities;
  stateDir: string;
  workers: Worker[];
  stop: () => Promise<void>;
}

/**
 * A real worker set (the same createWorkers the product uses) on queues of its own, so test
 * files running side by side on one server never take each other's tasks.
 */
export async function startTestHost(
  native: NativeConnection,
  overrides: Partial<HostCapabilities> = {},
  clientConnection?: Connection,
  /** Hosts that should compete for the same runs share a workflow queue. */
  sharedWorkflowQueue?: string,
  /** Done in the state dir before any worker starts (e.g. slots held in its ledger). */
  prepare?: (stateDir: string) => Promise<void>,
): Promise<TestHost> {
  const stateDir = await canonicalStateDir(await mkdtemp(join(tmpdir(), 'fsto-state-')));
  await prepare?.(stateDir);
  const hostId = uniqueId('test-host');
  const capabilities = { ...(await probeCapabilities({ hostId, kvm: false })), ...overrides };
  const workflowQueue = sharedWorkflowQueue ?? uniqueId('fstests-test');
  const workers = await createWorkers({
    connection: native,
    capabilities,
    stateDir,
    workflowQueue,
    clientConnection,
    auditToStderr: false,
    workflowBundle: { codePath: inject('workflowBundlePath') },
    shutdownGraceTimeMs: 5_000,
  });
  const running = runWorkers(workers);
  return {
    workflowQueue,
    capabilities,
    stateDir,
    workers,
    stop: async () => {
      for (const w of workers) if (w.getState() === 'RUNNING') w.shutdown();
      await running;
    },
  };
}

export interface TestContext {
  env: Awaited<ReturnType<typeof connect>>;
  host: TestHost;
}

/** beforeAll/afterAll of a describe block: a connection and a real test host, stopped after. */
export function useTestHost(): TestContext {
  const ctx = {} as TestContext;
  beforeAll(async () => {
    ctx.env = await connect();
    ctx.host = await startTestHost(ctx.env.native, {}, ctx.env.connection);
  });
  afterAll(async () => {
    await ctx.host?.stop();
    await ctx.env?.close();
  });
  return ctx;
}
