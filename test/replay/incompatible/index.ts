// A deliberately incompatible fstestsRun for the replay test: it prepares before it claims,
// so its command sequence differs from every recorded history's.
import { proxyActivities } from '@temporalio/workflow';
import type { HostActivities } from '../../../activities/host/activities';

const acts = proxyActivities<HostActivities>({ startToCloseTimeout: '1m' });

export async function fstestsRun(input: { fstests: string; fs: string }): Promise<unknown> {
  await acts.prepareRun({ runKey: 'x', spec: input as never });
  return acts.claimHost();
}
