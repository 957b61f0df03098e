import { describe, expect, it } from 'vitest';
import { runKvmProbe } from '../../activities/vm/kvm-probe';
import { resolveVm } from '../../activities/vm/resolve';
import { FstoError } from '../../common/errors';

// A real KVM guest boot, and what the product decides from it. On these hosts /dev/kvm exists
// but QEMU with KVM asserts or hangs, so the probe fails here; on a KVM host it passes, and the
// other branch runs. The KVM-capable worker path is shown with a declared stand-in probe result
// in test/workflow/kvm-queue.test.ts.
describe('KVM probe (real boot)', () => {
  it('its verdict drives accel: auto picks what the probe proved; kvm without it is refused clearly', async () => {
    const probe = await runKvmProbe({ timeoutMs: 20_000 });
    console.log(`[kvm-probe] ${JSON.stringify(probe)}`);
    if (probe.ok) {
      expect((await resolveVm({ accel: 'auto' }, async () => probe)).accel).toBe('kvm');
      expect((await resolveVm({ accel: 'kvm' }, async () => probe)).accel).toBe('kvm');
      return;
    }
    expect(probe.reason).toMatch(/KVM|kvm/);
    const err = await resolveVm({ accel: 'kvm' }, async () => probe).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(FstoError);
    expect((err as FstoError).type).toBe('HostUnsuitable');
    expect((err as Error).message).toContain("accel: kvm was asked for, but this host's KVM probe failed");
    expect((await resolveVm({ accel: 'auto' }, async () => probe)).accel).toBe('tcg');
  }, 60_000);
});
