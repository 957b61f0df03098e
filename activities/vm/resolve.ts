import { randomBytes } from 'node:crypto';
import { FstoError, HOST_UNSUITABLE, INVALID_SPEC, parseOrThrow } from '../../common/errors';
import { VmSpec, type VmSpecInput } from '../../common/schemas/vm';
import { kernelRelease, listKernels } from '../host/kernel';
import type { ResolvedVm } from './backend';

// From a VM spec to what a backend needs: host defaults filled in, the accelerator decided.
// Bad input fails here, before anything is started.

export type KvmProbe = () => Promise<{ ok: boolean; reason: string }>;

export async function resolveVm(input: VmSpecInput, probe: KvmProbe): Promise<ResolvedVm> {
  const spec = parseOrThrow(VmSpec, input, 'VM spec');
  const kernel = spec.kernel ?? (await listKernels())[0];
  if (!kernel) {
    throw new FstoError(
      'kernel: none given and there is no /boot/vmlinuz-* on this host; install linux-image-amd64 or pass a kernel',
      HOST_UNSUITABLE,
    );
  }
  const release = await kernelRelease(kernel).catch(() => undefined);
  if (!release) {
    throw new FstoError(`kernel: ${kernel} is not a readable bzImage`, INVALID_SPEC);
  }
  let accel: 'kvm' | 'tcg' = 'tcg';
  if (spec.accel !== 'tcg') {
    const kvm = await probe();
    if (spec.accel === 'kvm' && !kvm.ok) {
      throw new FstoError(
        `accel: kvm was asked for, but this host's KVM probe failed (${kvm.reason}); use accel "auto" or "tcg", or run on a KVM host`,
        HOST_UNSUITABLE,
      );
    }
    accel = kvm.ok ? 'kvm' : 'tcg';
  }
  return {
    vmId: randomBytes(4).toString('hex'),
    spec,
    kernel,
    kernelRelease: release,
    modulesDir: spec.modulesDir ?? `/lib/modules/${release}`,
    accel,
  };
}
