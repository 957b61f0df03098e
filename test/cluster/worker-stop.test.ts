import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { execa, type ResultPromise } from 'execa';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import type { fstestsRun } from '../../workflows';
import { canonicalStateDir } from '../../workers/host';
import { SHUTDOWN } from '../../workers/shutdown';
import { loopsUnder } from '../../kit/devices';
import { fixtureSpec, untilDone } from '../e2e/fixture';
import { leftovers, NOTHING_LEFT, processesMentioning } from '../e2e/leaks';
import { connect, uniqueId } from '../helpers/temporal';

const FSTO = fileURLToPath(new URL('../../fsto', import.meta.url));

// A worker asked to stop (SIGTERM, as compose or systemd do) mid-batch: it exits within its
// force time with the batch's VM stopped (not orphaned), keeps the run's devices for the resume,
// and the next worker finishes the run. A real `fsto worker` process, real qemu under TCG.
describe('a worker stopped with SIGTERM mid-batch', () => {
  let env: Awaited<ReturnType<typeof connect>>;
  let stateDir: string;
  const queue = uniqueId('fstests-stop');
  const hostId = uniqueId('stop-host');
  const workers: ResultPromise[] = [];
  const startWorker = () => {
    const w = execa(
      FSTO,
      ['worker', '--address', inject('temporalAddress'), '--task-queue', queue, '--metrics', 'off'],
      {
        env: {
          FSTO_STATE_DIR: stateDir,
          FSTO_HOST_ID: hostId,
          FSTO_KVM_PROBE: 'skip',
          FSTO_LOG_LEVEL: 'WARN',
        },
        reject: false,
        // execa would follow SIGTERM with SIGKILL after 5 s: a stopping worker needs longer.
        forceKillAfterDelay: false,
        stdio: 'ignore',
      },
    );
    workers.push(w);
    return w;
  };
  beforeAll(async () => {
    env = await connect();
    stateDir = await canonicalStateDir(await mkdtemp(join(tmpdir(), 'fsto-stop-')));
  });
  afterAll(async () => {
    for (const w of workers) w.kill('SIGTERM');
    await Promise.all(workers);
    await env?.close();
  });

  it('stops the VM before it exits; the next worker resumes and nothing leaks', async () => {
    const first = startWorker();
    const workflowId = uniqueId('stop-run');
    const tests = ['fixture/001', 'fixture/003', 'fixture/004', 'fixture/005'];
    const handle = await env.client.workflow.start<typeof fstestsRun>('fstestsRun', {
      taskQueue: queue,
      workflowId,
      args: [fixtureSpec(tests)],
    });
    await untilDone(handle, 1, 900_000);
    const runDir = join(stateDir, 'runs', workflowId);
    expect(await processesMentioning(runDir)).not.toEqual([]);
    const t0 = Date.now();
    first.kill('SIGTERM');
    await first;
    expect(Date.now() - t0).toBeLessThan(SHUTDOWN.forceMs + 5_000);
    expect(await processesMentioning(runDir)).toEqual([]); // the VM went down with its worker
    expect((await loopsUnder(stateDir)).size).toBe(2); // devices stay for the resume

    void startWorker();
    const summary = await handle.result();
    expect(Object.fromEntries(summary.tests.map((t) => [t.name, t.verdict]))).toEqual({
      'fixture/001': 'pass',
      'fixture/003': 'pass',
      'fixture/004': 'fail',
      'fixture/005': 'notrun',
    });
    expect(await leftovers(stateDir, workflowId)).toEqual(NOTHING_LEFT);
  }, 900_000);
});
