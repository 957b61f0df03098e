import { join } from 'node:path';
import { access, constants, mkdir } from 'node:fs/promises';
import { kernelRelease, listKernels } from '../../activities/host/kernel';
import { run } from '../../activities/process';
import {
  stateDir,
  TEMPORAL_CLI_SERVER_VERSION,
  TEMPORAL_SERVER_VERSION,
  TEMPORAL_UI_VERSION,
  temporalBin,
  temporalServerDir,
  temporalUiBin,
  vngBin,
} from '../../activities/settings';
import { probeKvm } from '../../activities/vm';

// What a host needs, checked for real, each with the one line that fixes it.

export interface Check {
  name: string;
  ok: boolean;
  /** Not needed to run (e.g. KVM: TCG works, slower). */
  optional?: boolean;
  detail: string;
  fix?: string;
}

const SETUP = 'run scripts/setup-host.sh as root';

async function version(argv: string[], want?: RegExp): Promise<{ ok: boolean; text: string }> {
  const r = await run(argv, { timeoutMs: 20_000 }).catch((e: Error) => ({
    exitCode: -1,
    stdout: '',
    stderr: e.message,
  }));
  const text = (r.stdout || r.stderr).split('\n')[0]?.trim() ?? '';
  return { ok: r.exitCode === 0 && (!want || want.test(r.stdout)), text };
}

const exists = (p: string, mode = constants.F_OK) =>
  access(p, mode).then(
    () => true,
    () => false,
  );

export async function doctorChecks(o: { kvmProbe: boolean }): Promise<Check[]> {
  const checks: Check[] = [];
  const add = (c: Check) => checks.push(c);
  add({
    name: 'root',
    ok: process.getuid?.() === 0,
    detail: 'loop devices and mounts need root',
    fix: 'run fsto as root (sudo)',
  });
  const t = await version(
    [temporalBin(), '--version'],
    new RegExp(`\\(Server ${TEMPORAL_CLI_SERVER_VERSION.replaceAll('.', '\\.')},`),
  );
  add({ name: 'temporal', ok: t.ok, detail: `${temporalBin()}: ${t.text || 'missing'}`, fix: SETUP });
  // The embedded server and its Web UI server (client/server/embedded-config.ts).
  const serverBin = join(temporalServerDir(), 'server');
  const ts = await version(
    [serverBin, '--version'],
    new RegExp(` ${TEMPORAL_SERVER_VERSION.replaceAll('.', '\\.')}$`),
  );
  add({ name: 'server', ok: ts.ok, detail: `${serverBin}: ${ts.text || 'missing'}`, fix: SETUP });
  const tu = await version(
    [temporalUiBin(), '--version'],
    new RegExp(` ${TEMPORAL_UI_VERSION.replaceAll('.', '\\.')}$`),
  );
  add({ name: 'web ui', ok: tu.ok, detail: `${temporalUiBin()}: ${tu.text || 'missing'}`, fix: SETUP });
  const q = await version(['qemu-system-x86_64', '--version']);
  add({
    name: 'qemu',
    ok: q.ok,
    detail: q.text || 'qemu-system-x86_64 missing',
    fix: 'apt-get install qemu-system-x86',
  });
  const v = await version([vngBin(), '--version']);
  add({
    name: 'virtme-ng',
    ok: v.ok,
    optional: true,
    detail: v.text || `${vngBin()} missing (only the vng backend needs it)`,
    fix: SETUP,
  });
  const kernels = await listKernels();
  const release = kernels[0] ? await kernelRelease(kernels[0]).catch(() => undefined) : undefined;
  add({
    name: 'kernel',
    ok: Boolean(release),
    detail: release ? `${kernels[0]} (${release})` : 'no /boot/vmlinuz-*',
    fix: 'apt-get install linux-image-amd64, or pass --kernel',
  });
  if (release) {
    const mods = `/lib/modules/${release}`;
    add({ name: 'modules', ok: await exists(mods), detail: mods, fix: `install the modules of ${release}` });
  }
  add({
    name: 'busybox',
    ok: await exists('/bin/busybox', constants.X_OK),
    detail: '/bin/busybox (the qemu backend initramfs)',
    fix: 'apt-get install busybox-static',
  });
  add({
    name: 'python3',
    ok: await exists('/usr/bin/python3', constants.X_OK),
    detail: '/usr/bin/python3 (the guest agent)',
    fix: 'apt-get install python3',
  });
  add({
    name: 'loop',
    ok: await exists('/dev/loop-control'),
    detail: '/dev/loop-control',
    fix: 'modprobe loop',
  });
  for (const fs of ['xfs', 'ext4', 'btrfs']) {
    const ok = (await run(['which', `mkfs.${fs}`]).catch(() => ({ exitCode: 1 }))).exitCode === 0;
    add({ name: `mkfs.${fs}`, ok, optional: fs === 'btrfs', detail: ok ? 'present' : 'missing', fix: SETUP });
  }
  const fsgqa = (await run(['id', 'fsgqa']).catch(() => ({ exitCode: 1 }))).exitCode === 0;
  add({
    name: 'fsgqa user',
    ok: fsgqa,
    optional: true,
    detail: 'fstests runs some tests as fsgqa',
    fix: SETUP,
  });
  const nft = await version(['nft', 'list', 'tables']);
  add({
    name: 'nftables',
    ok: nft.ok,
    optional: true,
    detail: nft.ok
      ? "the embedded server's ports are kept for the user who starts it"
      : `nft: ${nft.text || 'missing'}; any local user can reach the embedded server`,
    fix: 'apt-get install nftables (scripts/setup-host.sh does), as root',
  });
  const dir = stateDir();
  const writable = await mkdir(dir, { recursive: true }).then(
    () => exists(dir, constants.W_OK),
    () => false,
  );
  add({ name: 'state dir', ok: writable, detail: dir, fix: 'set FSTO_STATE_DIR to a writable directory' });
  if (o.kvmProbe) {
    const k = await probeKvm();
    add({
      name: 'kvm',
      ok: k.ok,
      optional: true,
      detail: k.ok ? 'a KVM guest booted' : `${k.reason}; guests run under TCG (slower)`,
      fix: 'enable KVM (BIOS, kvm_intel/kvm_amd, /dev/kvm access)',
    });
  }
  return checks;
}
