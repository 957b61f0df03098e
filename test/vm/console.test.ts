import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { ConsoleScanner, findCrash, normalise } from '../../activities/vm/console';

// samples/sysrq-panic.txt is real console output of `echo c > /proc/sysrq-trigger` in a TCG
// guest of Debian's 6.1 kernel. The other lines are in the kernel's own formats (we cannot make
// a real soft lockup or RCU stall on demand here).
const sysrq = readFileSync(new URL('samples/sysrq-panic.txt', import.meta.url), 'utf8');

describe('console crash signatures', () => {
  it('finds the sysrq panic, fed in small chunks, with an excerpt', () => {
    const s = new ConsoleScanner();
    const boot = '[    0.848570] mtrr: your CPUs had inconsistent fixed MTRR settings\n';
    expect(s.push(boot)).toBeUndefined();
    let hit;
    for (let i = 0; i < sysrq.length; i += 7) {
      const h = s.push(sysrq.slice(i, i + 7));
      hit ??= h;
    }
    expect(hit?.kind).toBe('panic');
    const r = s.report();
    expect(r?.signature).toBe('Kernel panic - not syncing: sysrq triggered crash');
    expect(r?.excerpt).toContain('sysrq_handle_crash+0x16/0x20');
    expect(r?.excerpt).toContain('mtrr');
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
    expect(findCrash([line])).toMatchObject({ kind, signature });
  });

  it('ignores a normal boot, including our own kernel command line', () => {
    const boot = [
      '[    0.000000] Command line: console=ttyS0 panic=-1 fsto.guest=1 watchdog_thresh=60 rcupdate.rcu_cpu_stall_timeout=300',
      '[    1.324683] mtrr: your CPUs had inconsistent fixed MTRR settings',
      '[   17.268793] hpet: Lost 1 RTC interrupts',
      '[    2.1] rcu: Hierarchical RCU implementation.',
    ];
    expect(findCrash(boot)).toBeUndefined();
    expect(normalise('[   25.407002] Kernel panic - not syncing: x')).toBe('Kernel panic - not syncing: x');
  });
});
