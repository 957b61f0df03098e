import { Client, Connection } from '@temporalio/client';
import { describe, expect, inject, it } from 'vitest';
import { watchRun } from '../../client/run/watch';
import { uniqueId } from '../helpers/temporal';

// The second Ctrl-C: stop following a run that goes on, then close the connection, as `fsto run`
// does before it exits. Here no worker polls the run's queue (a stopped in-process worker), so a
// progress query waits for its deadline (30 s): the watch must not wait for it.
describe('watchRun with a signal', () => {
  it('returns detached at once, even while no worker answers its queries', async () => {
    const connection = await Connection.connect({ address: inject('temporalAddress') });
    const client = new Client({ connection });
    const handle = await client.workflow.start('fstestsRun', {
      taskQueue: uniqueId('nobody'),
      workflowId: uniqueId('watched'),
      args: [],
    });
    const stop = new AbortController();
    setTimeout(() => stop.abort(), 1000);
    const t0 = Date.now();
    const lines: string[] = [];
    expect(await watchRun(handle, (l) => lines.push(l), { signal: stop.signal, intervalMs: 200 })).toEqual({
      kind: 'detached',
    });
    expect(Date.now() - t0).toBeLessThan(5000);
    await connection.close();
    await new Promise((r) => setTimeout(r, 3000)); // long enough for a retry timer to fire
    await handle.terminate().catch(() => undefined); // closed connection: the harness server cleans up
  });
});
