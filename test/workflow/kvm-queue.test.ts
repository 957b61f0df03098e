import type { WorkflowFailedError } from '@temporalio/client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { fstestsRun } from '../../workflows';
import { connect, startTestHost, uniqueId, type TestHost } from '../helpers/temporal';

// STAND-IN FOR KVM: these hosts cannot run KVM guests (docs/architecture.md, Facts), so the KVM-capable host here
// is a real worker set (the product's createWorkers) given a declared stand-in capability
// `kvm: true` instead of a passing probe. What it shows is the product's own decision: only a
// host whose probe passed polls the KVM claim queue, so a `requireKvm` run is claimed by it and
// never by a TCG-only host.
describe('requireKvm runs go only to KVM-capable hosts (stand-in probe result)', () => {
  let env: Awaited<ReturnType<typeof connect>>;
  let tcg: TestHost;
  let kvm: TestHost | undefined;
  const queue = uniqueId('fstests-kvmq');
  beforeAll(async () => {
    env = await connect();
    tcg = await startTestHost(env.native, { kvm: false }, env.connection, queue);
  });
  afterAll(async () => {
    await kvm?.stop();
    await tcg?.stop();
    await env?.close();
  });

  it('a TCG-only host leaves it unclaimed; a KVM host claims it', async () => {
    const handle = await env.client.workflow.start<typeof fstestsRun>('fstestsRun', {
      taskQueue: queue,
      workflowId: uniqueId('kvm-only'),
      // A tree that does not exist: the run fails at its first host step, naming the host.
      args: [{ fstests: '/nonexistent/fstests', fs: 'xfs', requireKvm: true }],
    });
    await new Promise((r) => setTimeout(r, 4000));
    const pending = (await handle.describe()).raw.pendingActivities ?? [];
    expect(pending.map((a) => a.activityType?.name)).toEqual(['claimHost']);
    expect(pending[0]!.attempt).toBe(1);
    expect(pending[0]!.state).toBe(1); // PENDING_ACTIVITY_STATE_SCHEDULED: nobody took it

    const connection2 = await connect();
    try {
      kvm = await startTestHost(connection2.native, { kvm: true }, connection2.connection, queue);
      const err = (await handle.result().catch((e: unknown) => e)) as WorkflowFailedError;
      expect(String((err.cause?.cause as Error | undefined)?.message)).toMatch(/nonexistent\/fstests\/check/);
      const history = await handle.fetchHistory();
      const prepared = history.events?.find(
        (e) => e.activityTaskScheduledEventAttributes?.activityType?.name === 'prepareRun',
      );
      expect(prepared?.activityTaskScheduledEventAttributes?.taskQueue?.name).toBe(
        kvm.capabilities.hostQueue,
      );
    } finally {
      await kvm?.stop();
      kvm = undefined;
      await connection2.close();
    }
  }, 120_000);
});
