import { access, constants, mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { listKernels } from '../host/kernel';
import { run } from '../process';
import { stateDir } from '../settings';
import { QEMU_BIN } from './backends/qemu';
import { buildInitramfs } from './initramfs';

// Whether KVM really works here: a real, short guest boot with KVM under a timeout. The mere
// presence of /dev/kvm proves nothing (on our hosts QEMU asserts or hangs in early boot).

export const PROBE_MARKER = 'FSTO-KVM-PROBE-OK';
const PROBE_INIT = `#!/bin/busybox sh\n/bin/busybox echo ${PROBE_MARKER} > /dev/ttyS0\n/bin/busybox poweroff -f\n`;

/** Pure: the probe's QEMU argv (same CPU/accel choice as a real KVM boot). */
export function probeArgv(kernel: string, initramfs: string): string[] {
  return [
    QEMU_BIN,
    '-machine',
    'q35',
    '-accel',
    'kvm',
    '-cpu',
    'host',
    '-m',
    '256M',
    '-nodefaults',
    '-no-user-config',
    '-display',
    'none',
    '-no-reboot',
    '-serial',
    'stdio',
    '-kernel',
    kernel,
    '-initrd',
    initramfs,
    '-append',
    'console=ttyS0 panic=-1 rdinit=/init fsto.guest=1 quiet',
  ];
}

export async function runKvmProbe(
  o: { timeoutMs?: number; cacheDir?: string } = {},
): Promise<{ ok: boolean; reason: string }> {
  try {
    await access('/dev/kvm', constants.R_OK | constants.W_OK);
  } catch {
    return { ok: false, reason: '/dev/kvm is missing or not accessible' };
  }
  const kernel = (await listKernels())[0];
  if (!kernel) return { ok: false, reason: 'no /boot/vmlinuz-* to boot' };
  const cacheDir = o.cacheDir ?? join(stateDir(), 'cache');
  await mkdir(cacheDir, { recursive: true });
  const initramfs = await buildInitramfs({ cacheDir, init: PROBE_INIT });
  const timeoutMs = o.timeoutMs ?? 20_000;
  const started = Date.now();
  try {
    const res = await run(probeArgv(kernel, initramfs), { timeoutMs });
    const secs = ((Date.now() - started) / 1000).toFixed(1);
    if (res.stdout.includes(PROBE_MARKER)) return { ok: true, reason: `a KVM guest booted in ${secs}s` };
    if (Date.now() - started >= timeoutMs) {
      return {
        ok: false,
        reason: `a KVM guest did not boot within ${timeoutMs / 1000}s (QEMU hung, killed)`,
      };
    }
    const why = (res.stderr.trim() || res.stdout.trim()).split('\n').slice(-2).join(' | ');
    return {
      ok: false,
      reason: `a KVM guest did not boot (QEMU exited ${res.exitCode} after ${secs}s: ${why})`,
    };
  } catch (err) {
    const msg = err instanceof Error ? err.message : String(err);
    return {
      ok: false,
      reason: `a KVM guest did not boot within ${timeoutMs / 1000}s (${msg.split('\n')[0]})`,
    };
  }
}

let cached: Promise<{ ok: boolean; reason: string }> | undefined;

/** The probe, once per worker process. */
export function probeKvm(): Promise<{ ok: boolean; reason: string }> {
  cached ??= runKvmProbe();
  return cached;
}
