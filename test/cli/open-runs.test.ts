import { describe, expect, it } from 'vitest';
import { openRuns, resumeText } from '../../client/worker/open-runs';
import { connect, uniqueId } from '../helpers/temporal';

// What an in-process worker is about to resume: runs still open on its queue (here: started with
// no worker polling, as a killed command leaves them), on the real dev server's visibility store.
describe('openRuns', () => {
  it('lists the open runs of a queue, and none of another queue or closed ones', async () => {
    const env = await connect();
    try {
      const queue = uniqueId('open-runs');
      const ids = [uniqueId('left-a'), uniqueId('left-b')];
      for (const workflowId of ids)
        await env.client.workflow.start('fstestsRun', { taskQueue: queue, workflowId, args: [] });
      await env.client.workflow.start('fstestsRun', {
        taskQueue: uniqueId('other'),
        workflowId: uniqueId('elsewhere'),
        args: [],
      });
      await env.client.workflow.getHandle(ids[1]!).terminate('closed: not to be resumed');
      let found: string[] = [];
      for (let i = 0; i < 60 && found.length !== 1; i++) {
        found = (await openRuns(env.client, queue)).map((r) => r.workflowId);
        if (found.length !== 1) await new Promise((r) => setTimeout(r, 500));
      }
      expect(found).toEqual([ids[0]]);
      const text = resumeText([{ workflowId: ids[0]!, type: 'fstestsRun' }]).join('\n');
      expect(text).toContain(`fsto watch ${ids[0]}`);
      expect(text).toContain(`fsto cancel ${ids[0]}`);
      expect(resumeText([])).toEqual([]);
    } finally {
      await env.close();
    }
  });
});
