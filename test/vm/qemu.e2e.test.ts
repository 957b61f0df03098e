import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { kernelRelease, listKernels } from '../../activities/host/kernel';
import { Vm } from '../../activities/vm/vm';
import { vmFixture, vmProcesses } from './helpers';

// One real qemu-backend guest under TCG for the whole file (boots are the expensive part).
describe('qemu backend, real guest under TCG', () => {
  let f: Awaited<ReturnType<typeof vmFixture>>;
  let vm: Vm;
  beforeAll(async () => {
    f = await vmFixture('qemu');
    vm = await Vm.boot(
      {
        runKey: 'qemu-e2e',
        spec: {
          backend: 'qemu',
          accel: 'tcg',
          disks: [{ path: f.disks[0]! }, { path: f.disks[1]!, serial: 'second' }],
          shares: [
            { hostPath: f.ro, tag: 'ro', readonly: true, mountPoint: '/tmp/ro' },
            { hostPath: f.rw, tag: 'results', readonly: false, mountPoint: '/tmp/results' },
          ],
        },
      },
      f.deps,
    );
  }, 180_000);
  afterAll(async () => vm?.stop());

  it('boots the newest /boot kernel and reports the guest exit code faithfully', async () => {
    const host = await kernelRelease((await listKernels())[0]!);
    expect(vm.kernelRelease).toBe(host);
    const lines: string[] = [];
    const r = await vm.exec(['sh', '-c', 'uname -r; echo oops >&2; exit 3'], {
      timeoutSec: 60,
      onLine: (s, l) => lines.push(`${s}:${l}`),
    });
    expect(r).toMatchObject({
      exitCode: 3,
      outcome: 'exited',
      stdoutTail: `${host}\n`,
      stderrTail: 'oops\n',
    });
    expect(lines).toEqual([`stdout:${host}`, 'stderr:oops']);
    console.log(`[qemu] boot-to-ready ${vm.bootSeconds.toFixed(1)}s`);
  });

  it('disks appear in order as /dev/vda, /dev/vdb with their serials', async () => {
    const r = await vm.exec(
      ['sh', '-c', 'for d in /sys/block/vd*; do echo ${d##*/}=$(cat $d/serial); done'],
      {
        timeoutSec: 60,
      },
    );
    expect(r.stdoutTail).toBe('vda=fsto-d0\nvdb=second\n');
  });

  it('a read-only share is read-only; a read-write share reaches the host', async () => {
    const ro = await vm.exec(['sh', '-c', 'cat /tmp/ro/hello && touch /tmp/ro/new'], { timeoutSec: 60 });
    expect(ro.stdoutTail).toBe('from the host\n');
    expect(ro.exitCode).not.toBe(0);
    expect(ro.stderrTail).toContain('Read-only file system');
    const rw = await vm.exec(['sh', '-c', 'echo result > /tmp/results/out'], { timeoutSec: 60 });
    expect(rw.exitCode).toBe(0);
    expect(await readFile(join(f.rw, 'out'), 'utf8')).toBe('result\n');
  });

  it('a silent command past its timeout is reported as hung; the agent still answers', async () => {
    const t = Date.now();
    const r = await vm.exec(['sleep', '1000'], { timeoutSec: 20 });
    expect(r.outcome).toBe('hung');
    expect((Date.now() - t) / 1000).toBeGreaterThanOrEqual(20);
    expect(await vm.ping()).toBe(true);
  }, 60_000);

  it('a kernel panic is reported as a crash with its signature within 5 s of the panic line', async () => {
    let panicLineAt = 0;
    let tail = ''; // the panic line may arrive split over two console chunks
    vm.proc.on('console', (c: string) => {
      tail = (tail + c).slice(-4096);
      if (!panicLineAt && tail.includes('Kernel panic')) panicLineAt = Date.now();
    });
    const r = await vm.exec(['sh', '-c', 'echo c > /proc/sysrq-trigger'], { timeoutSec: 60 });
    const reportedAt = Date.now();
    expect(r.outcome).toBe('crashed');
    expect(r.crash?.signature).toBe('Kernel panic - not syncing: sysrq triggered crash');
    expect(r.crash?.excerpt).toContain('sysrq_handle_crash');
    expect(panicLineAt).toBeGreaterThan(0);
    expect(reportedAt - panicLineAt).toBeLessThan(5000);
    console.log(`[qemu] crash reported ${reportedAt - panicLineAt} ms after the panic line`);
  }, 60_000);

  it('after stop no process of the VM remains and the ledger is empty', async () => {
    await vm.stop();
    await vm.stop(); // idempotent
    expect(await vmProcesses(vm.id)).toEqual([]);
    expect(await f.deps.ledger.list('qemu-e2e')).toEqual([]);
    expect(await readFile(vm.consolePath, 'utf8')).toContain('sysrq triggered crash');
  });
});
