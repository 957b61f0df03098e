import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Ledger } from '../../activities/ledger/ledger';
import { reap } from '../../activities/ledger/reaper';
import { hostReleasers } from '../../workers/releasers';
import { makeIsRunOpen } from '../../workers/run-status';
import type { fstestsRun } from '../../workflows';
import { connect, startTestHost, uniqueId, type TestHost } from '../helpers/temporal';
import { fixtureSpec, untilDone } from './fixture';
import { leftovers, NOTHING_LEFT } from './leaks';

// Two hosts on one queue. The host that claimed the run goes away mid-run; the run notices (its
// next step is not picked up within hostLossTimeoutSec), claims the other host and finishes there.
describe('a host lost mid-run', () => {
  let env: Awaited<ReturnType<typeof connect>>;
  const hosts: TestHost[] = [];
  beforeAll(async () => {
    env = await connect();
  });
  afterAll(async () => {
    for (const h of hosts) await h.stop();
    await env?.close();
  });

  it('re-claims another host and resumes with the tests not yet done; the lost host reaps at restart', async () => {
    const queue = uniqueId('fstests-loss');
    const first = await startTestHost(env.native, {}, env.connection, queue);
    hosts.push(first);
    const workflowId = uniqueId('e2e-host-loss');
    const tests = ['fixture/001', 'fixture/003', 'fixture/004', 'fixture/005'];
    const handle = await env.client.workflow.start<typeof fstestsRun>('fstestsRun', {
      taskQueue: queue,
      workflowId,
      args: [fixtureSpec(tests, { hostLossTimeoutSec: 15 })],
    });
    await untilDone(handle, 1);
    await first.stop(); // the host is gone: nobody polls its queue any more
    const second = await startTestHost(env.native, {}, env.connection, queue);
    hosts.push(second);

    const summary = await handle.result();
    expect(summary.hostId).toBe(second.capabilities.hostId);
    expect(Object.fromEntries(summary.tests.map((t) => [t.name, t.verdict]))).toEqual({
      'fixture/001': 'pass',
      'fixture/003': 'pass',
      'fixture/004': 'fail',
      'fixture/005': 'notrun',
    });
    expect(await leftovers(second.stateDir, workflowId)).toEqual(NOTHING_LEFT);
    // The lost host still holds the run's devices until its worker starts again and reaps them.
    const ledger = new Ledger(join(first.stateDir, 'ledger'));
    const reaped = await reap(
      ledger,
      makeIsRunOpen(env.client.workflow),
      hostReleasers({ stateDir: first.stateDir }),
    );
    expect(reaped.failed).toEqual([]);
    expect(await leftovers(first.stateDir, workflowId)).toEqual(NOTHING_LEFT);
  }, 900_000);
});
