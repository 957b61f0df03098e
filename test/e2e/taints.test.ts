import { describe, expect, it } from 'vitest';
import { progressQuery } from '../../common/queries';
import type { fstestsRun } from '../../workflows';
import { testLine } from '../../client/run/print';
import { uniqueId, useTestHost } from '../helpers/temporal';
import { expectedVerdicts } from '../parity/oracle';
import { fixtureSpec } from './fixture';
import { leftovers, NOTHING_LEFT } from './leaks';

// Five tests in a row whose kernel logs a problem it survives (tests/taint of the fixture suite:
// two REAL hung tasks on frozen filesystems, TEST_DIR and SCRATCH_MNT, and three declared
// stand-ins written to /dev/kmsg: general protection fault, RCU stall, soft lockup), then a plain one. On real
// parts: dev server, worker, loop devices, qemu guests under TCG. The oracle: tests/taint/expected,
// written by hand (fstests' _check_dmesg fails GPF and BUG lines, not hung tasks or stalls).
describe('survivable kernel problems in a row', () => {
  const t = useTestHost();

  it("never end the run: every test gets fstests' verdict and the signature; progress counts tests only", async () => {
    const oracle = await expectedVerdicts('taint', 'guest');
    const tests = Object.keys(oracle);
    const workflowId = uniqueId('e2e-taints');
    const handle = await t.env.client.workflow.start<typeof fstestsRun>('fstestsRun', {
      taskQueue: t.host.workflowQueue,
      workflowId,
      args: [fixtureSpec(tests)], // maxVmRestarts: its default, 2
    });
    const summary = await handle.result();
    for (const x of summary.tests) console.log(`[taints] ${testLine(x).split('\n')[0]}`);
    expect(Object.fromEntries(summary.tests.map((x) => [x.name, x.verdict]))).toEqual(oracle);
    const sig = Object.fromEntries(summary.tests.map((x) => [x.name, x.crashSignature]));
    expect(sig).toEqual({
      'taint/001': expect.stringMatching(/^INFO: task dd blocked for more than N seconds\.$/) as unknown,
      'taint/002': expect.stringMatching(/general protection fault: 0000/) as unknown,
      'taint/003': expect.stringMatching(/rcu: INFO: rcu_preempt self-detected stall/) as unknown,
      'taint/004': expect.stringMatching(/^INFO: task dd blocked for more than N seconds\.$/) as unknown,
      'taint/005': expect.stringMatching(/watchdog: BUG: soft lockup/) as unknown,
      'taint/006': undefined,
    });
    expect(summary.status).toBe('failed'); // fstests failed 002 and 005: exit 1, as by hand
    const p = await handle.query(progressQuery);
    expect([p.done, p.total]).toEqual([6, 6]);
    expect(await leftovers(t.host.stateDir, workflowId)).toEqual(NOTHING_LEFT);
  }, 1_200_000);
});
