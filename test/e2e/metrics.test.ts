import { createServer } from 'node:net';
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client, Connection } from '@temporalio/client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { inject } from 'vitest';
import { startHost, type Host } from '../../workers/host';
import { installRuntime } from '../../workers/runtime';
import { runWorkers } from '../../workers/workers';
import type { fstestsRun } from '../../workflows';
import { uniqueId } from '../helpers/temporal';
import { fixtureSpec } from './fixture';

const freePort = () =>
  new Promise<number>((resolve) => {
    const s = createServer().listen(0, '127.0.0.1', () => {
      const { port } = s.address() as { port: number };
      s.close(() => resolve(port));
    });
  });

// The worker's Prometheus endpoint after a real run: the product's host start (startHost, as
// `fsto worker --metrics` does) wires fsto's counters; the batch activity counts the boot and
// each verdict of a real guest (qemu under TCG: KVM cannot work on these hosts). This file runs
// in its own process: the runtime is installed once, before any connection.
describe('metrics of a real run', () => {
  let port: number;
  let host: Host;
  let running: Promise<void>;
  let connection: Connection;
  const workflowQueue = uniqueId('fstests-metrics');
  beforeAll(async () => {
    port = await freePort();
    installRuntime({ logLevel: 'ERROR', prometheusBind: `127.0.0.1:${port}` });
    const address = inject('temporalAddress');
    process.env.FSTO_KVM_PROBE = 'skip';
    host = await startHost({
      connection: { address },
      namespace: 'default',
      workflowQueue,
      stateDir: await mkdtemp(join(tmpdir(), 'fsto-metrics-')),
      hostId: uniqueId('metrics-host'),
      log: () => {},
      auditToStderr: false,
      metrics: true,
    });
    running = runWorkers(host.workers);
    connection = await Connection.connect({ address });
  }, 180_000);
  afterAll(async () => {
    for (const w of host?.workers ?? []) if (w.getState() === 'RUNNING') w.shutdown();
    await running;
    await host?.close();
    await connection?.close();
  });

  it("serves fsto's counters for what the run did, beside Temporal's worker metrics", async () => {
    const client = new Client({ connection });
    const summary = await client.workflow.execute<typeof fstestsRun>('fstestsRun', {
      taskQueue: workflowQueue,
      workflowId: uniqueId('metrics'),
      args: [fixtureSpec(['fixture/001', 'fixture/005'])],
    });
    // The oracle: the fixture suite's README — 001 passes, 005 is not run.
    expect(summary.tests.map((t) => [t.name, t.verdict])).toEqual([
      ['fixture/001', 'pass'],
      ['fixture/005', 'notrun'],
    ]);
    let text = '';
    for (let i = 0; i < 30 && !/fsto_tests.*notrun/.test(text); i++) {
      await new Promise((r) => setTimeout(r, 500));
      text = await (await fetch(`http://127.0.0.1:${port}/metrics`)).text();
    }
    expect(text).toMatch(/^fsto_tests\S*\{[^}]*verdict="pass"[^}]*\} 1$/m);
    expect(text).toMatch(/^fsto_tests\S*\{[^}]*verdict="notrun"[^}]*\} 1$/m);
    expect(text).toMatch(/^fsto_vm_boots\S*\{[^}]*accel="tcg"[^}]*\} 1$/m);
    expect(text).toMatch(/^fsto_vm_boot_seconds_count\S*\{[^}]*accel="tcg"[^}]*\} 1$/m);
    expect(text).toMatch(/^fsto_devices_held\S*(\{[^}]*\})? \d+$/m);
    expect(text).toMatch(/^temporal_workflow_task_\w+/m);
  }, 300_000);
});
