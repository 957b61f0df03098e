import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { classify, ConsoleScanner, isFatal, normalise } from '../../activities/vm/console';

// samples/sysrq-panic.txt is real console output of `echo c > /proc/sysrq-trigger` in a TCG
// guest of Debian's 6.1 kernel. The other lines are in the kernel's own formats (we cannot make
// a real soft lockup or RCU stall on demand here).
const sysrq = readFileSync(new URL('samples/sysrq-panic.txt', import.meta.url), 'utf8');

describe('console crash signatures', () => {
  it('finds the sysrq panic, fed in small chunks, with an excerpt', () => {
    const s = new ConsoleScanner();
    const boot = '[    0.848570] mtrr: your CPUs had inconsistent fixed MTRR settings\n';
    expect(s.push(boot)).toEqual([]);
    let hit;
    for (let i = 0; i < sysrq.length; i += 7) {
      const found = s.push(sysrq.slice(i, i + 7));
      hit ??= found[0];
    }
    expect(hit?.kind).toBe('panic');
    expect(s.fatal?.fatal).toBe(true);
    const r = s.report();
    expect(r?.signature).toBe('Kernel panic - not syncing: sysrq triggered crash');
    expect(r?.excerpt).toContain('sysrq_handle_crash+0x16/0x20');
    // The first line is the panic itself (not the boot line before it, which the CLI once showed).
    expect(r?.excerpt.split('\n')[0]).toBe('Kernel panic - not syncing: sysrq triggered crash');
    expect(r?.excerpt).not.toContain('mtrr');
  });

  it('only a panic is fatal: an oops, BUG, GPF, lockup, stall or hung task is logged by a live kernel', () => {
    expect(isFatal('panic')).toBe(true);
    for (const k of ['oops', 'bug', 'gpf', 'soft-lockup', 'hung-task', 'rcu-stall'] as const) {
      expect(isFatal(k), k).toBe(false);
    }
    const s = new ConsoleScanner();
    // Real console lines of a hung task in a TCG guest of Debian's 6.1 (fault/001's mechanism).
    const found = s.push(
      [
        '[    5.086241] run fstests fault/001 at 2026-11-30 14:40:01',
        '[   11.415373] INFO: task touch:160 blocked for more than 2 seconds.',
        '[   11.415675]       Not tainted 6.1.0-57-amd64 #1 Debian 6.1.192-3',
        '',
      ].join('\n'),
    );
    expect(found).toMatchObject([{ kind: 'hung-task', fatal: false, test: 'fault/001' }]);
    expect(s.fatal).toBeUndefined();
    expect(s.report(found[0])?.excerpt.split('\n')[0]).toBe(
      'INFO: task touch:160 blocked for more than 2 seconds.',
    );
  });

  it('attributes each crash line to the test fstests announced last in the kernel log', () => {
    const s = new ConsoleScanner();
    s.push(
      '[ 1.0] run fstests generic/001 at 2026-11-30 10:00:00\n[ 2.0] run fstests generic/002 at 2026-11-30 10:00:09\n',
    );
    const [oops] = s.push('[ 3.0] BUG: unable to handle page fault for address: ffffa0000000\n');
    s.push('[ 4.0] Oops: 0000 [#1] PREEMPT SMP NOPTI\n[ 4.1] RIP: 0010:xfs_iget+0x2a/0x910 [xfs]\n');
    const [panic] = s.push('[ 5.0] Kernel panic - not syncing: Fatal exception\n');
    expect(oops).toMatchObject({ kind: 'bug', test: 'generic/002' });
    expect(panic).toMatchObject({ kind: 'panic', fatal: true, test: 'generic/002' });
    // The panic's incident starts at the BUG line: that is what names the crash.
    const incident = s.incident(panic!);
    expect(incident).toBe(oops);
    expect(s.report(incident)?.signature).toBe('BUG: unable to handle page fault for address: X at xfs_iget');
  });

  it('keeps a bounded number of crash lines (a kernel looping on a warning)', () => {
    const s = new ConsoleScanner();
    for (let i = 0; i < 500; i++) s.push(`[ ${i}.0] BUG: soft lockup - CPU#0 stuck for 22s! [x:1]\n`);
    expect(s.matches.length).toBe(100);
  });

  it('names the faulting function of an Oops and strips addresses', () => {
    const s = new ConsoleScanner();
    s.push(
      [
        '[   12.000001] BUG: kernel NULL pointer dereference, address: 0000000000000008',
        '[   12.000002] #PF: supervisor read access in kernel mode',
        '[   12.000003] Oops: 0000 [#1] PREEMPT SMP NOPTI',
        '[   12.000004] CPU: 1 PID: 321 Comm: xfs_io Not tainted 6.1.0-56-amd64 #1',
        '[   12.000005] RIP: 0010:xfs_bmapi_write+0x2a/0x910 [xfs]',
        '',
      ].join('\n'),
    );
    expect(s.report()?.signature).toBe('BUG: kernel NULL pointer dereference, address: X at xfs_bmapi_write');
  });

  it.each([
    [
      '[  88.1] watchdog: BUG: soft lockup - CPU#1 stuck for 26s! [fsstress:1234]',
      'soft-lockup',
      'watchdog: BUG: soft lockup - CPU#N stuck for Ns! [fsstress]',
    ],
    [
      '[ 242.9] INFO: task xfs_io:881 blocked for more than 120 seconds.',
      'hung-task',
      'INFO: task xfs_io blocked for more than N seconds.',
    ],
    [
      '[ 300.0] rcu: INFO: rcu_preempt detected stalls on CPUs/tasks:',
      'rcu-stall',
      'rcu: INFO: rcu_preempt detected stalls on CPUs/tasks:',
    ],
    ['[  10.0] kernel BUG at fs/xfs/xfs_inode.c:1234!', 'bug', 'kernel BUG at fs/xfs/xfs_inode.c:1234!'],
    [
      '[  10.0] general protection fault, probably for non-canonical address 0xdead000000000100: 0000 [#1]',
      'gpf',
      'general protection fault, probably for non-canonical address X: 0000 [#1]',
    ],
  ])('%s', (line, kind, signature) => {
    expect(classify(line)).toMatchObject({ kind, signature });
  });

  it('ignores a normal boot, including our own kernel command line', () => {
    const boot = [
      '[    0.000000] Command line: console=ttyS0 panic=-1 fsto.guest=1 watchdog_thresh=60 rcupdate.rcu_cpu_stall_timeout=300',
      '[    1.324683] mtrr: your CPUs had inconsistent fixed MTRR settings',
      '[   17.268793] hpet: Lost 1 RTC interrupts',
      '[    2.1] rcu: Hierarchical RCU implementation.',
    ];
    expect(boot.filter((l) => classify(l))).toEqual([]);
    expect(normalise('[   25.407002] Kernel panic - not syncing: x')).toBe('Kernel panic - not syncing: x');
  });
});
