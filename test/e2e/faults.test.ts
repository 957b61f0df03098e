import { mkdir, readdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { readXunit } from '../../activities/verdicts/xunit';
import type { RunSummary, TestResult } from '../../common/schemas';
import type { fstestsRun } from '../../workflows';
import { testLine } from '../../client/run/print';
import { uniqueId, useTestHost } from '../helpers/temporal';
import { fixtureSpec } from './fixture';
import { leftovers, NOTHING_LEFT } from './leaks';

// Faults judged as fstests judges them, on real parts: dev server, worker, loop devices, qemu
// guests under TCG (KVM cannot work on these hosts; TCG is ~50× slower, so the hang timeouts are
// scaled down to seconds). The faults are tests/fault of the fixture suite (see its README):
// fault/001 a REAL hung task (fsfreeze + hung_task_timeout_secs=2), fault/002 an oops written to
// the kernel log (a declared stand-in: this Debian kernel has no lkdtm), fixture/007 a real panic
// (sysrq c), fault/003-004 tests that sleep 40 s; a panic at boot from `rdinit=/nonexistent`.
describe('faults in a run (tainted kernel, panic, history-based hang, panic at boot)', () => {
  const t = useTestHost();

  const start = async (name: string, spec: ReturnType<typeof fixtureSpec>) => {
    const workflowId = uniqueId(name);
    const handle = await t.env.client.workflow.start<typeof fstestsRun>('fstestsRun', {
      taskQueue: t.host.workflowQueue,
      workflowId,
      args: [spec],
    });
    const summary = await handle.result();
    for (const x of summary.tests) console.log(`[${name}] ${testLine(x).split('\n')[0]}`);
    return { workflowId, summary };
  };
  const byName = (s: RunSummary) => new Map<string, TestResult>(s.tests.map((x) => [x.name, x]));
  /** Each VM's console on the host, and the tests fstests announced in it. */
  const consoles = async (workflowId: string) => {
    const dir = join(t.host.stateDir, 'runs', workflowId);
    const files = (await readdir(dir)).filter((f) => f.endsWith('.console.log'));
    return Promise.all(
      files.map(async (f) => {
        const text = await readFile(join(dir, f), 'utf8');
        return { text, tests: [...text.matchAll(/run fstests (\S+) at /g)].map((m) => m[1]) };
      }),
    );
  };

  it("an oops or hung task the kernel survives keeps fstests' verdict with its signature and the rest go on in a fresh VM; a panic is crashed, named by its line", async () => {
    const tests = ['fault/001', 'fault/002', 'fixture/001', 'fixture/007'];
    const { workflowId, summary } = await start('e2e-faults', fixtureSpec(tests));
    const r = byName(summary);
    expect(Object.fromEntries([...r].map(([n, x]) => [n, x.verdict]))).toEqual({
      // fstests' _check_dmesg does not scan for hung tasks: a by-hand run passes it.
      'fault/001': 'pass',
      'fault/002': 'fail',
      'fixture/001': 'pass',
      'fixture/007': 'crashed',
    });
    // The kernel's own hung-task line (fstests' check passed the test: it does not scan for it).
    expect(r.get('fault/001')!.crashSignature).toMatch(
      /^INFO: task touch blocked for more than N seconds\.$/,
    );
    // The stand-in oops: check's dmesg scan failed it, and the signature is the BUG line.
    expect(r.get('fault/002')!.crashSignature).toMatch(/BUG: kernel NULL pointer dereference/);
    expect(r.get('fault/002')!.reason).toMatch(/_check_dmesg/);
    // The panic: its own line names it, first in the reason (not the console line before it).
    const panic = 'Kernel panic - not syncing: sysrq triggered crash';
    expect(r.get('fixture/007')!.crashSignature).toBe(panic);
    expect(r.get('fixture/007')!.reason!.split('\n')[0]).toBe(panic);

    // After each tainted test, a fresh VM: each fault ran alone in its guest, the rest in a third.
    // Under load a guest can also stall before its first test (a boot past its deadline): such a
    // VM ran no test, the run booted another, and it is not part of this claim.
    const vms = (await consoles(workflowId)).filter((v) => v.tests.length > 0);
    expect(vms.map((v) => v.tests).sort()).toEqual([
      ['fault/001'],
      ['fault/002'],
      ['fixture/001', 'fixture/007'],
    ]);
    expect(vms.find((v) => v.tests[0] === 'fault/001')!.text).toMatch(
      /INFO: task touch:\d+ blocked for more/,
    );
    // What check itself printed in each VM (it is stopped right after a tainted test, before it
    // rewrites result.xml): fault/001 passed by its lights, fault/002 failed by its dmesg scan.
    // Batches are main-1, main-2, … in boot order; a stalled boot takes a number too, so each
    // test's batch is found by check's line for it (not the command line at the top).
    const batches = (await readdir(summary.resultsDir)).filter((b) => /^main-\d+$/.test(b));
    const outputs = new Map<string, string>();
    for (const b of batches) {
      const text = await readFile(join(summary.resultsDir, b, 'check.output'), 'utf8').catch(() => '');
      outputs.set(b, text);
    }
    const batchOf = (test: string) =>
      [...outputs].find(([, text]) => text.split('\n').some((l) => l.startsWith(`${test} `)))?.[0] ??
      `(no batch ran ${test})`;
    const out = (test: string) => outputs.get(batchOf(test)) ?? '';
    expect(out('fault/001')).toMatch(/^fault\/001\s+\d+s$/m);
    expect(out('fault/002')).toMatch(/^fault\/002\s+_check_dmesg: something found in dmesg/m);
    expect(out('fixture/001')).toMatch(/^fixture\/001\s+\d+s$/m);
    expect(new Set(['fault/001', 'fault/002', 'fixture/001'].map(batchOf)).size).toBe(3);
    expect(await readXunit(join(summary.resultsDir, batchOf('fixture/001'), 'fsto'))).toMatchObject({
      cases: [{ result: { name: 'fixture/001', verdict: 'pass' } }],
    });
    expect(await leftovers(t.host.stateDir, workflowId)).toEqual(NOTHING_LEFT);
  }, 900_000);

  it('a test whose history says it is long is not hung past the default; without history it is', async () => {
    // Scaled "40 min is not hung at 30": default 20 s for unseen tests; fault/003's history says
    // 60 s (× factor 2 = 120 s); both tests sleep 40 s.
    await mkdir(join(t.host.stateDir, 'history'), { recursive: true });
    await writeFile(join(t.host.stateDir, 'history', 'xfs.check.time'), 'fault/003 60\n');
    const hang = { floorSec: 10, factor: 2, defaultSec: 20 };
    const { workflowId, summary } = await start(
      'e2e-history',
      fixtureSpec(['fault/003', 'fault/004'], { hang }),
    );
    const r = byName(summary);
    expect(r.get('fault/003')).toMatchObject({ verdict: 'pass' });
    expect(r.get('fault/003')!.durationSec).toBeGreaterThanOrEqual(40);
    expect(r.get('fault/004')).toMatchObject({ verdict: 'hung' });
    expect(await leftovers(t.host.stateDir, workflowId)).toEqual(NOTHING_LEFT);
  }, 900_000);

  it('a panic at boot is reported as such: where, and the panic line', async () => {
    const spec = fixtureSpec(['fixture/001'], {
      vm: { cmdline: ['rdinit=/nonexistent'] },
      maxVmRestarts: 0,
    });
    const { workflowId, summary } = await start('e2e-boot-panic', spec);
    const line = /Kernel panic - not syncing: VFS: Unable to mount root fs/;
    const boot = summary.tests.find(
      (x) => /boot/.test(`${x.name} ${x.reason ?? ''}`) && x.name !== 'fixture/001',
    );
    expect(boot, JSON.stringify(summary.tests, null, 1)).toBeDefined();
    expect(boot!.crashSignature).toMatch(line);
    expect(boot!.reason).toMatch(line);
    const test = byName(summary).get('fixture/001')!;
    expect(test.verdict).toBe('error');
    expect(test.reason).toMatch(/boot/);
    expect(test.reason).toMatch(line);
    expect(await leftovers(t.host.stateDir, workflowId)).toEqual(NOTHING_LEFT);
  }, 600_000);
});
