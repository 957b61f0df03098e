// A command's round trip through the guest agent (host asks → guest forks and execs → its exit
// reaches the host), as a ratio against the guest's own cost of a fork+exec of the same program,
// measured by the guest in the same VM. Every fstests step in a guest is one such exec (guest
// preparation, listing, each check), so what the agent adds is paid per step. TCG guest.
// Run as root: npx tsx bench/exec.ts [N]   (default 20 round trips)
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { listKernels } from '../activities/host/kernel';
import { Ledger } from '../activities/ledger/ledger';
import { Vm } from '../activities/vm/vm';

const n = Number(process.argv[2] ?? 20);
const kernel = (await listKernels())[0];
if (!kernel || !(n >= 1)) throw new Error('needs a /boot/vmlinuz-* and N >= 1');
const stateDir = await mkdtemp(join(tmpdir(), 'fsto-bench-exec-'));
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
const vm = await Vm.boot(
  {
    runKey: 'bench-exec',
    spec: { backend: 'qemu', kernel, accel: 'tcg', cpus: 1, memoryMiB: 512, disks: [], shares: [] },
  },
  {
    ledger: new Ledger(join(stateDir, 'ledger')),
    stateDir,
    probeKvm: async () => ({ ok: false, reason: '' }),
  },
);
try {
  const trips: number[] = [];
  for (let i = 0; i < n; i++) {
    const t = performance.now();
    const r = await vm.exec(['true'], { timeoutSec: 60 });
    if (r.exitCode !== 0) throw new Error(`true exited ${r.exitCode}`);
    trips.push(performance.now() - t);
  }
  // The baseline: the guest times n fork+execs of /bin/true itself (GNU date, ns; not the builtin).
  let out = '';
  const loop = `s=$(date +%s%N); i=0; while [ $i -lt ${n} ]; do /bin/true; i=$((i+1)); done; e=$(date +%s%N); echo $(( (e - s) / ${n} ))`;
  await vm.exec(['sh', '-c', loop], { timeoutSec: 120, onLine: (s, l) => s === 'stdout' && (out = l) });
  const guestMs = Number(out) / 1e6;
  const trip = median(trips);
  console.log(`fsto exec bench: ${n} round trips of \`true\` through the agent, TCG guest (${vm.accel})`);
  console.log(
    `round trip median ${trip.toFixed(0)} ms (min ${Math.min(...trips).toFixed(0)}, max ${Math.max(...trips).toFixed(0)})`,
  );
  console.log(`guest fork+exec of true: ${guestMs.toFixed(0)} ms`);
  console.log(`ratio round trip / guest fork+exec: ${(trip / guestMs).toFixed(2)}`);
} finally {
  await vm.stop();
  await rm(stateDir, { recursive: true, force: true });
}
