import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { execa, type ResultPromise } from 'execa';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import type { fstestsRun } from '../../workflows';
import { canonicalStateDir } from '../../workers/host';
import { connect, uniqueId } from '../helpers/temporal';
import { fixtureSpec, maybeRecord, untilDone } from './fixture';
import { leftovers, NOTHING_LEFT, processesMentioning } from './leaks';

const FSTO = fileURLToPath(new URL('../../fsto', import.meta.url));

// The worker is a real `fsto worker` process, so it can really be SIGKILLed mid-run.
describe('a worker killed mid-run', () => {
  let env: Awaited<ReturnType<typeof connect>>;
  let stateDir: string;
  const queue = uniqueId('fstests-kill');
  const hostId = uniqueId('kill-host');
  const workers: ResultPromise[] = [];
  const startWorker = () => {
    const w = execa(FSTO, ['worker', '--address', inject('temporalAddress'), '--task-queue', queue], {
      env: { FSTO_STATE_DIR: stateDir, FSTO_HOST_ID: hostId, FSTO_KVM_PROBE: 'skip', FSTO_LOG_LEVEL: 'WARN' },
      reject: false,
      stdio: 'ignore',
    });
    workers.push(w);
    return w;
  };
  beforeAll(async () => {
    env = await connect();
    stateDir = await canonicalStateDir(await mkdtemp(join(tmpdir(), 'fsto-kill-')));
  });
  afterAll(async () => {
    for (const w of workers) w.kill('SIGTERM');
    await Promise.all(workers);
    await env?.close();
  });

  it('resumes on a new worker: every verdict arrives and nothing leaks', async () => {
    const first = startWorker();
    const workflowId = uniqueId('e2e-kill');
    const tests = ['fixture/001', 'fixture/003', 'fixture/004', 'fixture/005', 'fixture/008'];
    const handle = await env.client.workflow.start<typeof fstestsRun>('fstestsRun', {
      taskQueue: queue,
      workflowId,
      args: [fixtureSpec(tests)],
    });
    await untilDone(handle, 1);
    first.kill('SIGKILL');
    await first;
    // The guest outlives its worker (own process group) until the next attempt kills it.
    expect((await processesMentioning(join(stateDir, 'runs', workflowId))).length).toBeGreaterThan(0);

    void startWorker(); // awaited in afterAll
    const summary = await handle.result();
    expect(summary.tests.map((t) => [t.name, t.verdict])).toEqual([
      ['fixture/001', 'pass'],
      ['fixture/003', 'pass'],
      ['fixture/004', 'fail'],
      ['fixture/005', 'notrun'],
      ['fixture/008', 'fail'],
    ]);
    expect(await leftovers(stateDir, workflowId)).toEqual(NOTHING_LEFT);
    await maybeRecord(handle, 'run-worker-killed');
  }, 900_000);
});
