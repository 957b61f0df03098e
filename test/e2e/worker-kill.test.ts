import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { fstestsRun } from '../../workflows';
import { fstoWorkers } from '../helpers/fsto-workers';
import { uniqueId } from '../helpers/temporal';
import { fixtureSpec, maybeRecord, untilDone } from './fixture';
import { leftovers, NOTHING_LEFT, processesMentioning } from './leaks';

// The worker is a real `fsto worker` process, so it can really be SIGKILLed mid-run.
describe('a worker killed mid-run', () => {
  const workers = fstoWorkers('kill');

  it('resumes on a new worker: every verdict arrives and nothing leaks', async () => {
    const first = workers.start();
    const workflowId = uniqueId('e2e-kill');
    const tests = ['fixture/001', 'fixture/003', 'fixture/004', 'fixture/005', 'fixture/008'];
    const handle = await workers.env.client.workflow.start<typeof fstestsRun>('fstestsRun', {
      taskQueue: workers.queue,
      workflowId,
      args: [fixtureSpec(tests)],
    });
    await untilDone(handle, 1);
    first.kill('SIGKILL');
    await first;
    // The guest outlives its worker (own process group) until the next attempt kills it.
    expect((await processesMentioning(join(workers.stateDir, 'runs', workflowId))).length).toBeGreaterThan(0);

    void workers.start(); // awaited in afterAll
    const summary = await handle.result();
    expect(summary.tests.map((t) => [t.name, t.verdict])).toEqual([
      ['fixture/001', 'pass'],
      ['fixture/003', 'pass'],
      ['fixture/004', 'fail'],
      ['fixture/005', 'notrun'],
      ['fixture/008', 'fail'],
    ]);
    expect(await leftovers(workers.stateDir, workflowId)).toEqual(NOTHING_LEFT);
    await maybeRecord(handle, 'run-worker-killed');
  }, 900_000);
});
