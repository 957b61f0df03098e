import { WorkflowFailedError } from '@temporalio/client';
import type { ApplicationFailure } from '@temporalio/common';
import type { fstestsRun } from '../../workflows';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connect, startTestHost, uniqueId, type TestHost } from '../helpers/temporal';

// Real dev server, real worker (the product's createWorkers), real activities on this host.
describe('fstestsRun first steps', () => {
  let env: Awaited<ReturnType<typeof connect>>;
  let host: TestHost;
  beforeAll(async () => {
    env = await connect();
    host = await startTestHost(env.native);
  });
  afterAll(async () => {
    await host?.stop();
    await env?.close();
  });

  it('fails a bad spec with the field and the fix, before claiming a host', async () => {
    const handle = await env.client.workflow.start<typeof fstestsRun>('fstestsRun', {
      taskQueue: host.workflowQueue,
      workflowId: uniqueId('run'),
      // flakyRetry is a typo of flakyRetries: the workflow must refuse it, not ignore it.
      args: [{ fstests: 'relative/path', fs: 'xfs', tests: ['generic/001'], flakyRetry: 2 } as never],
    });
    const err = await handle.result().catch((e: unknown) => e);
    expect(err).toBeInstanceOf(WorkflowFailedError);
    const cause = (err as WorkflowFailedError).cause as ApplicationFailure;
    expect(cause.type).toBe('InvalidSpec');
    expect(cause.message).toMatch(/fstests: give an absolute path/);
    expect(cause.message).toMatch(/flakyRetry: unknown field; did you mean "flakyRetries"\?/); // named, not ignored
    const history = await handle.fetchHistory();
    const scheduled = history.events?.filter((e) => e.activityTaskScheduledEventAttributes) ?? [];
    expect(scheduled).toHaveLength(0);
  });

  it('refuses an fstests dir without ./check on the host, non-retryably', async () => {
    const handle = await env.client.workflow.start<typeof fstestsRun>('fstestsRun', {
      taskQueue: host.workflowQueue,
      workflowId: uniqueId('run'),
      args: [{ fstests: '/nonexistent/fstests', fs: 'ext4' }],
    });
    const err = (await handle.result().catch((e: unknown) => e)) as WorkflowFailedError;
    expect(err).toBeInstanceOf(WorkflowFailedError);
    expect(String((err.cause?.cause as Error | undefined)?.message)).toMatch(
      /\/nonexistent\/fstests\/check is missing/,
    );
    // Every step carries a one-line summary for the UI's timeline.
    const history = await handle.fetchHistory();
    const scheduled = history.events?.filter((e) => e.activityTaskScheduledEventAttributes) ?? [];
    expect(scheduled.length).toBeGreaterThanOrEqual(2);
    for (const e of scheduled) {
      const payload = e.userMetadata?.summary;
      expect(payload?.data, e.activityTaskScheduledEventAttributes?.activityType?.name ?? '').toBeTruthy();
      expect(Buffer.from(payload!.data!).toString()).toMatch(
        /claim a host|prepare the run|validate and plan the devices|cleanup: collect results/,
      );
    }
  });
});
