import { mkdtemp, readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { resolveKernel } from '../../activities/host/kernel';
import { RunSummary } from '../../common/schemas';
import type { fstestsRun } from '../../workflows';
import { layKernelTree } from '../cli/fake-ktree';
import { uniqueId, useTestHost } from '../helpers/temporal';
import { expectedVerdicts } from '../parity/oracle';
import { fixtureSpec } from './fixture';
import { leftovers, NOTHING_LEFT } from './leaks';

/** modules.dep lines by module path, as depmod wrote them. */
const depLines = (text: string) => new Map(text.split('\n').map((l) => [l.split(':')[0]!, l] as const));

// --kernel DIR: a tree laid out as a kernel build (bzImage + the modules it built), from the
// host's own kernel (TCG guest: KVM does not work on these hosts).
describe('a kernel build tree', () => {
  const t = useTestHost();

  it('is installed for the guest as depmod would, boots, runs a test, and the run records it', async () => {
    const tree = await mkdtemp(join(tmpdir(), 'fsto-ktree-'));
    const { release } = await layKernelTree(tree, (m) => !m.startsWith('sound/'));
    // Its modules, installed: the same dependencies as the distribution's own depmod wrote.
    const k = await resolveKernel(tree, join(t.host.stateDir, 'cache'));
    expect([k.kind, k.release, k.image]).toEqual(['tree', release, join(tree, 'arch/x86/boot/bzImage')]);
    const ours = depLines(await readFile(join(k.modulesDir!, 'modules.dep'), 'utf8'));
    const host = depLines(await readFile(`/lib/modules/${release}/modules.dep`, 'utf8'));
    for (const m of ['kernel/fs/xfs/xfs.ko', 'kernel/fs/ext4/ext4.ko', 'kernel/net/9p/9pnet_virtio.ko'])
      expect(ours.get(m), m).toBe(host.get(m));
    expect([...ours.keys()].some((m) => m.startsWith('kernel/sound/'))).toBe(false);

    const workflowId = uniqueId('e2e-ktree');
    const handle = await t.env.client.workflow.start<typeof fstestsRun>('fstestsRun', {
      taskQueue: t.host.workflowQueue,
      workflowId,
      args: [fixtureSpec(['fixture/001'], { kernel: tree })],
    });
    const summary = RunSummary.parse(await handle.result());
    const oracle = await expectedVerdicts('fixture', 'guest');
    expect(summary.tests.map((x) => [x.name, x.verdict])).toEqual([['fixture/001', oracle['fixture/001']]]);
    expect(summary.kernelRelease).toBe(release);
    expect(summary.kernel).toEqual({ kind: 'tree', path: tree, image: join(tree, 'arch/x86/boot/bzImage') });
    expect(await leftovers(t.host.stateDir, workflowId)).toEqual(NOTHING_LEFT);
  }, 900_000);
});
