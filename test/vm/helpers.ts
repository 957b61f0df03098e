import { mkdtemp, mkdir, truncate, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Ledger } from '../../activities/ledger/ledger';
import { pidsWithEnv } from '../../activities/vm/proc';
import { VM_ID_ENV } from '../../activities/vm/supervisor';
import type { VmDeps } from '../../activities/vm/vm';

// Real VMs under TCG. KVM does not work on these hosts, so tests pin accel 'tcg' (the probe
// itself is tested for real in kvm-probe.e2e.test.ts).
export const noKvm = async () => ({ ok: false, reason: 'tests pin TCG' });

export async function vmFixture(name: string) {
  const root = await mkdtemp(join(tmpdir(), `fsto-${name}-`));
  const stateDir = join(root, 'state');
  const disks = [join(root, 'a.img'), join(root, 'b.img')];
  for (const d of disks) {
    await writeFile(d, '');
    await truncate(d, 64 * 2 ** 20);
  }
  const ro = join(root, 'ro');
  const rw = join(root, 'rw');
  await mkdir(ro);
  await mkdir(rw);
  await writeFile(join(ro, 'hello'), 'from the host\n');
  const deps: VmDeps = { ledger: new Ledger(join(stateDir, 'ledger')), stateDir, probeKvm: noKvm };
  return { root, stateDir, disks, ro, rw, deps };
}

/** Processes that still carry this VM's id (QEMU, vng, virtme-run): none after a stop. */
export function vmProcesses(vmId: string): Promise<number[]> {
  return pidsWithEnv(VM_ID_ENV, vmId);
}
