import { readdir, readFile } from 'node:fs/promises';
import { decodeTimeoutType, TimeoutType } from '@temporalio/common';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { fstestsRun } from '../../workflows';
import { fixtureSpec } from '../e2e/fixture';
import { leftovers, NOTHING_LEFT } from '../e2e/leaks';
import { connect, startTestHost, uniqueId, type TestHost } from '../helpers/temporal';

// Admission: one host with two VM slots, four runs submitted at once. The oracle is the host's
// process table (qemu processes under this host's state dir, sampled every 200 ms) and each
// run's Temporal history, not fsto's own bookkeeping. hostLossTimeoutSec is short (20 s), so a
// run left waiting in the host's queue for a slot would be taken for a lost host and claim
// again. Real qemu guests under TCG (no KVM on these hosts).
describe('four runs on a host with two VM slots', () => {
  let env: Awaited<ReturnType<typeof connect>>;
  let host: TestHost;
  beforeAll(async () => {
    env = await connect();
    host = await startTestHost(env.native, { vmSlots: 2 }, env.connection);
  });
  afterAll(async () => {
    await host?.stop();
    await env?.close();
  });

  it('never more than two VMs at once, none taken for lost, all finish', async () => {
    const handles = await Promise.all(
      [1, 2, 3, 4].map((n) =>
        env.client.workflow.start<typeof fstestsRun>('fstestsRun', {
          taskQueue: host.workflowQueue,
          workflowId: uniqueId(`admission-${n}`),
          args: [fixtureSpec(['fixture/001'], { hostLossTimeoutSec: 20 })],
        }),
      ),
    );
    let done = false;
    const samples: number[] = [];
    const sampling = (async () => {
      while (!done) {
        samples.push(await qemusUnder(host.stateDir));
        await new Promise((r) => setTimeout(r, 200));
      }
    })();
    const summaries = await Promise.all(handles.map((h) => h.result())).finally(() => (done = true));
    await sampling;

    expect(Math.max(...samples)).toBe(2);
    for (const s of summaries)
      expect(s.tests.map((t) => [t.name, t.verdict])).toEqual([['fixture/001', 'pass']]);
    for (const h of handles) {
      const events = (await h.fetchHistory()).events ?? [];
      const claims = events.filter(
        (e) => e.activityTaskScheduledEventAttributes?.activityType?.name === 'claimHost',
      );
      const lost = events.filter(
        (e) =>
          decodeTimeoutType(
            e.activityTaskTimedOutEventAttributes?.failure?.timeoutFailureInfo?.timeoutType,
          ) === TimeoutType.SCHEDULE_TO_START,
      );
      expect([claims.length, lost.length]).toEqual([1, 0]);
      expect(await leftovers(host.stateDir, h.workflowId)).toEqual(NOTHING_LEFT);
    }
  }, 900_000);
});

/** qemu processes whose argv mentions this state dir (a guest's run dir lives in it). */
async function qemusUnder(stateDir: string): Promise<number> {
  let n = 0;
  for (const d of await readdir('/proc')) {
    if (!/^\d+$/.test(d)) continue;
    const argv = (await readFile(`/proc/${d}/cmdline`, 'latin1').catch(() => '')).split('\0');
    if (argv[0]?.includes('qemu-system') && argv.some((a) => a.includes(stateDir))) n++;
  }
  return n;
}
