import { proxyActivities } from '@temporalio/workflow';
import type { KernelBuildActivities } from '../activities/kernel-build/activities';
import { lookupQueue } from './lookup-queue';
import { isKernelSource, type MatrixSpec, type MatrixSummary } from '../common/schemas';
import { INVALID_SPEC } from '../common/errors';

// A matrix (a nightly) that names a kernel source by branch tests that branch's head at the
// night's start: resolved once here (its result is in the history, so a replay or a later cell
// never sees a newer commit), every cell then builds that commit. Specs without sources take
// no step here (none could name one before), so old histories replay unchanged.

export type KernelHead = NonNullable<MatrixSummary['kernelHeads']>[number];

const git = (taskQueue: string) =>
  proxyActivities<Pick<KernelBuildActivities, 'resolveKernelHead'>>({
    taskQueue,
    startToCloseTimeout: '5m',
    retry: { maximumAttempts: 3, nonRetryableErrorTypes: [INVALID_SPEC] },
    summary: "resolve the kernel branch's head (this night's commit)",
  });

/** The spec with each source's ref pinned to its commit, the heads, and labels naming both. */
export async function pinKernelHeads(
  spec: MatrixSpec,
): Promise<{ spec: MatrixSpec; heads: KernelHead[]; labels: Map<string, string> }> {
  const labels = new Map<string, string>();
  if (!spec.kernels.some(isKernelSource)) return { spec, heads: [], labels };
  const acts = git(lookupQueue());
  const resolved = await Promise.all(
    spec.kernels.map(async (k, i) => {
      if (!isKernelSource(k)) return { kernel: k };
      const head = await acts.resolveKernelHead({ tree: k.tree, ref: k.ref, field: `kernels[${i}]` });
      labels.set(`${k.tree}@${head.commit}`, `${k.tree}@${k.ref}=${head.commit.slice(0, 12)}`);
      return { kernel: { ...k, ref: head.commit }, head: { tree: k.tree, ref: k.ref, ...head } };
    }),
  );
  const heads = resolved.flatMap((r) => (r.head ? [r.head] : []));
  return { spec: { ...spec, kernels: resolved.map((r) => r.kernel) }, heads, labels };
}

/** The heads as the report's kernel sidecar keeps them (`tree@branch=commit`): the next night's good. */
export const headLabels = (heads: readonly KernelHead[]): string[] =>
  heads.map((h) => `${h.tree}@${h.ref}=${h.commit}`);
