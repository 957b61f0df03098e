import { createServer } from 'node:net';
import { Runtime } from '@temporalio/worker';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createMetrics } from '../../workers/metrics';
import { installRuntime } from '../../workers/runtime';
import type { fstestsRun } from '../../workflows';
import { connect, startTestHost, uniqueId, type TestHost } from '../helpers/temporal';

const freePort = () =>
  new Promise<number>((resolve) => {
    const s = createServer().listen(0, '127.0.0.1', () => {
      const { port } = s.address() as { port: number };
      s.close(() => resolve(port));
    });
  });

// The worker's Prometheus endpoint: Temporal's runtime metrics and fsto's own, on one port.
// (This file runs in its own process: the runtime is installed once, before any connection.)
describe('metrics endpoint', () => {
  let port: number;
  let env: Awaited<ReturnType<typeof connect>>;
  let host: TestHost;
  beforeAll(async () => {
    port = await freePort();
    installRuntime({ logLevel: 'ERROR', prometheusBind: `127.0.0.1:${port}` });
    env = await connect();
    host = await startTestHost(env.native);
  });
  afterAll(async () => {
    await host?.stop();
    await env?.close();
  });

  it("serves Temporal's worker metrics and fsto's counters", async () => {
    const m = createMetrics(Runtime.instance().metricMeter);
    m.testFinished('crashed');
    m.vmBooted(12.5, 'tcg');
    m.devicesHeld(7);
    // A workflow that fails at once still makes the worker report workflow-task metrics.
    const handle = await env.client.workflow.start<typeof fstestsRun>('fstestsRun', {
      taskQueue: host.workflowQueue,
      workflowId: uniqueId('metrics'),
      args: [{ fstests: 'not-absolute', fs: 'xfs' }],
    });
    await handle.result().catch(() => undefined);
    let text = '';
    for (let i = 0; i < 20 && !/fsto_tests.*crashed/.test(text); i++) {
      await new Promise((r) => setTimeout(r, 500));
      text = await (await fetch(`http://127.0.0.1:${port}/metrics`)).text();
    }
    expect(text).toMatch(/^fsto_tests\S*\{[^}]*verdict="crashed"[^}]*\} 1$/m);
    expect(text).toMatch(/^fsto_vm_boots\S*\{[^}]*accel="tcg"[^}]*\} 1$/m);
    expect(text).toMatch(/^fsto_devices_held\S*(\{[^}]*\})? 7$/m);
    expect(text).toMatch(/^temporal_workflow_task_\w+/m);
  });
});
