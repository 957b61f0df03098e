// A stand-in worker for cleanup.e2e.test.ts: boots a VM, says READY <vmId>, then waits to be
// SIGKILLed (so nothing of ours runs at its end: only the ledger and the reaper remain).
import { Ledger } from '../../activities/ledger/ledger';
import { Vm } from '../../activities/vm/vm';

const [stateDir = '', runKey = ''] = process.argv.slice(2);
const vm = await Vm.boot(
  { runKey, spec: { backend: 'qemu', accel: 'tcg' } },
  {
    ledger: new Ledger(`${stateDir}/ledger`),
    stateDir,
    probeKvm: async () => ({ ok: false, reason: 'TCG' }),
  },
);
console.log(`READY ${vm.id}`);
setInterval(() => undefined, 1 << 30);
