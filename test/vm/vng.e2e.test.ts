import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { kernelRelease, listKernels } from '../../activities/host/kernel';
import { Vm } from '../../activities/vm/vm';
import { vmFixture, vmProcesses } from './helpers';

// One real virtme-ng guest under TCG (vng from activities/settings.ts vngBin()).
describe('vng backend, real guest under TCG', () => {
  let f: Awaited<ReturnType<typeof vmFixture>>;
  let vm: Vm;
  beforeAll(async () => {
    f = await vmFixture('vng');
    vm = await Vm.boot(
      {
        runKey: 'vng-e2e',
        spec: {
          backend: 'vng',
          accel: 'tcg',
          disks: [{ path: f.disks[0]! }, { path: f.disks[1]!, serial: 'second' }],
          shares: [{ hostPath: f.ro, tag: 'ro', readonly: true, mountPoint: '/tmp/ro' }],
        },
      },
      f.deps,
    );
  }, 240_000);
  afterAll(async () => vm?.stop());

  it('records the VM in the ledger with pid and start time while it runs', async () => {
    const [entry] = await f.deps.ledger.list('vng-e2e');
    expect(entry?.kind).toBe('vm');
    expect(entry?.data).toMatchObject({ vmId: vm.id, pid: vm.proc.pid, pgid: vm.proc.pid, state: 'running' });
    expect(entry?.data.startTime).toMatch(/^\d+$/);
  });

  it('runs uname -r and reports exit code 3 faithfully; disks in order; read-only share', async () => {
    const host = await kernelRelease((await listKernels())[0]!);
    expect(vm.kernelRelease).toBe(host);
    console.log(`[vng] boot-to-ready ${vm.bootSeconds.toFixed(1)}s`);
    const r = await vm.exec(
      [
        'sh',
        '-c',
        'uname -r; for d in /sys/block/vd*; do echo ${d##*/}=$(cat $d/serial); done; cat /tmp/ro/hello; touch /tmp/ro/x; exit 3',
      ],
      { timeoutSec: 60 },
    );
    expect(r.exitCode).toBe(3);
    expect(r.stdoutTail).toBe(`${host}\nvda=fsto-d0\nvdb=second\nfrom the host\n`);
    expect(r.stderrTail).toContain('Read-only file system');
  });

  it('after stop neither vng nor QEMU remains', async () => {
    await vm.stop();
    expect(await vmProcesses(vm.id)).toEqual([]);
    expect(await f.deps.ledger.list('vng-e2e')).toEqual([]);
  });
});
