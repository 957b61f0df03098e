import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { MockActivityEnvironment } from '@temporalio/testing';
import { CancelledFailure } from '@temporalio/common';
import { describe, expect, it } from 'vitest';
import { releaseRun } from '../../activities/ledger/reaper';
import { createVmActivities } from '../../activities/vm/activities';
import { vmReleasers } from '../../activities/vm/supervisor';
import { vmFixture, vmProcesses } from './helpers';

describe('no VM process outlives its run (real guests under TCG)', () => {
  it('cancelling execInVm mid-command stops the VM', async () => {
    const f = await vmFixture('cancel');
    const acts = createVmActivities(f.deps);
    const boot = { runKey: 'cancel-e2e', spec: { backend: 'qemu', accel: 'tcg' } } as const;
    // MockActivityEnvironment.run infers its result differently in tsc and typescript-eslint.
    const booted: unknown = await new MockActivityEnvironment().run(acts.bootVm, boot);
    const { vmId } = booted as { vmId: string };
    const env = new MockActivityEnvironment();
    const running = env.run(acts.execInVm, { vmId, argv: ['sleep', '1000'], timeoutSec: 300 });
    await new Promise((r) => setTimeout(r, 3000));
    expect((await vmProcesses(vmId)).length).toBeGreaterThan(0);
    env.cancel();
    await expect(running).rejects.toBeInstanceOf(CancelledFailure);
    expect(await vmProcesses(vmId)).toEqual([]);
    expect(await f.deps.ledger.list('cancel-e2e')).toEqual([]);
    await acts.stopVm({ vmId }); // idempotent, also for a VM already gone
  }, 240_000);

  it('after SIGKILL of the worker, the reaper kills the orphaned QEMU', async () => {
    const f = await vmFixture('sigkill');
    const helper = fileURLToPath(new URL('boot-and-wait.ts', import.meta.url));
    const worker = spawn(process.execPath, ['--import', 'tsx', helper, f.stateDir, 'sigkill-e2e'], {
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    const vmId = await new Promise<string>((resolve, reject) => {
      worker.stdout.on('data', (b: Buffer) => {
        const m = /READY (\w+)/.exec(b.toString());
        if (m) resolve(m[1]!);
      });
      worker.on('exit', (c) => reject(new Error(`helper exited ${c}`)));
    });
    worker.kill('SIGKILL');
    await new Promise((r) => worker.once('exit', r));
    // The worker is gone; its VM is not (that is why the ledger and the reaper exist).
    expect((await vmProcesses(vmId)).length).toBeGreaterThan(0);
    const report = await releaseRun(f.deps.ledger, 'sigkill-e2e', vmReleasers());
    expect(report.failed).toEqual([]);
    expect(report.released.map((e) => e.kind)).toEqual(['vm']);
    expect(await vmProcesses(vmId)).toEqual([]);
  }, 240_000);
});
