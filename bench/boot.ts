// Boot-to-ready of each backend as a ratio against bare `vng --exec true` of the same kernel,
// measured in the same run, one VM at a time (2 shared cores). Run: npx tsx bench/boot.ts [N]
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { listKernels } from '../activities/host/kernel';
import { Ledger } from '../activities/ledger/ledger';
import { run } from '../activities/process';
import { vngBin } from '../activities/settings';
import { TCG_CMDLINE } from '../activities/vm/backend';
import { Vm } from '../activities/vm/vm';

const rounds = Number(process.argv[2] ?? 2);
const kernel = (await listKernels())[0]!;
const stateDir = await mkdtemp(join(tmpdir(), 'fsto-bench-'));
const deps = {
  ledger: new Ledger(join(stateDir, 'ledger')),
  stateDir,
  probeKvm: async () => ({ ok: false, reason: '' }),
};
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

async function bareVng(): Promise<number> {
  const t = Date.now();
  const argv = [
    vngBin(),
    '--run',
    kernel,
    '--disable-kvm',
    '--memory',
    '2G',
    ...TCG_CMDLINE.map((w) => `--append=${w}`),
    '--exec',
    'true',
  ];
  const res = await run(argv, {
    cwd: '/',
    env: { ...process.env, PATH: `${dirname(vngBin())}:${process.env.PATH}` },
  });
  if (res.exitCode !== 0) throw new Error(`bare vng failed: ${res.stderr}`);
  return (Date.now() - t) / 1000;
}

async function ours(backend: 'vng' | 'qemu'): Promise<number> {
  const vm = await Vm.boot({ runKey: `bench-${backend}`, spec: { backend, kernel, accel: 'tcg' } }, deps);
  await vm.stop();
  return vm.bootSeconds;
}

const times: Record<string, number[]> = { 'vng --exec true': [], 'fsto vng': [], 'fsto qemu': [] };
for (let i = 0; i < rounds; i++) {
  times['vng --exec true']!.push(await bareVng());
  times['fsto vng']!.push(await ours('vng'));
  times['fsto qemu']!.push(await ours('qemu'));
}
const base = median(times['vng --exec true']!);
console.log(
  `kernel ${kernel}, TCG, ${rounds} round(s), medians; baseline = bare vng --exec true (whole run)`,
);
for (const [name, xs] of Object.entries(times)) {
  console.log(
    `${name.padEnd(18)} ${median(xs).toFixed(1).padStart(6)} s   ratio ${(median(xs) / base).toFixed(2)}   [${xs.map((x) => x.toFixed(1)).join(', ')}]`,
  );
}
