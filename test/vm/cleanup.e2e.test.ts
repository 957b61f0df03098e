import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { releaseRun } from '../../activities/ledger/reaper';
import { vmReleasers } from '../../activities/vm/supervisor';
import { vmFixture, vmProcesses } from './helpers';

describe('no VM process outlives its run (real guests under TCG)', () => {
  // Cancelling a run mid-test (the batch activity's own path) is shown in test/e2e/cancel.test.ts.
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
