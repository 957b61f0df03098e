import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { listKernels } from '../activities/host/kernel';
import type { TestResult } from '../common/schemas';
import { runFsto, type FstoResult } from '../kit/overhead-fsto';
import { killLiveGroups } from '../kit/overhead-group';
import { describeLeaks, findLeaks, reclaim } from '../kit/overhead-leaks';
import { runRaw } from '../kit/overhead-raw';
import { onInterrupt } from './on-interrupt';

// End-to-end overhead of `fsto run` against the by-hand baseline, `vng --exec ./check …`
// by hand, on the same fixture tests in the same process, one VM at a time (2 shared cores).
// fsto runs twice per round: its default backend (qemu) and `--backend vng` (apples to apples).
// Both sides must report the same tests with the same verdicts, else exit 1.
// Run as root: npx tsx bench/overhead.ts [rounds]   (default 1)

const rounds = Number(process.argv[2] ?? 1);
// 006 hangs and 007 crashes the kernel: not part of a timing run.
const TESTS = ['001', '002', '003', '004', '005', '008'].map((n) => `fixture/${n}`);
const repo = fileURLToPath(new URL('..', import.meta.url));
const fixture = join(repo, 'test/fixtures/fstests');
const kernel = (await listKernels())[0];
if (!kernel || !(rounds >= 1)) throw new Error('needs a /boot/vmlinuz-* and rounds >= 1');
const dir = await mkdtemp(join(tmpdir(), 'fsto-bench-overhead-'));
const stateDir = join(dir, 'state');

let cleaned = false;
async function cleanup(): Promise<string[]> {
  if (cleaned) return [];
  cleaned = true;
  killLiveGroups();
  const leaks = await findLeaks(dir);
  await reclaim(leaks);
  await rm(dir, { recursive: true, force: true });
  return describeLeaks(leaks);
}
onInterrupt(cleanup);

type Side = 'raw' | 'qemu' | 'vng';
const LABEL: Record<Side, string> = {
  raw: 'vng --exec ./check (raw)',
  qemu: 'fsto run (default: qemu)',
  vng: 'fsto run --backend vng',
};
const got: Record<Side, FstoResult[]> = { raw: [], qemu: [], vng: [] };
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
const sum = (ts: TestResult[]) => ts.reduce((a, t) => a + t.durationSec, 0);

/** Differences from the reference verdicts (name → verdict), as lines. */
function mismatches(ref: Map<string, string>, tests: TestResult[]): string[] {
  const seen = new Map(tests.map((t) => [t.name, t.verdict]));
  const names = new Set([...ref.keys(), ...seen.keys(), ...TESTS]);
  return [...names]
    .filter((n) => ref.get(n) === undefined || ref.get(n) !== seen.get(n))
    .map((n) => `${n}: raw ${ref.get(n) ?? 'missing'}, here ${seen.get(n) ?? 'missing'}`);
}

let failed = false;
try {
  for (let r = 0; r < rounds; r++) {
    // Interleaved, so all three see the same host load.
    got.raw.push(await runRaw({ dir, kernel, fixture, tests: TESTS, round: r }));
    got.qemu.push(await runFsto({ repo, stateDir, fixture, tests: TESTS }));
    got.vng.push(await runFsto({ repo, stateDir, fixture, tests: TESTS, backend: 'vng' }));
  }
} catch (err) {
  console.error(`overhead bench: ${(err as Error).message}`);
  failed = true;
} finally {
  const leaks = await cleanup();
  if (leaks.length) {
    console.error(`overhead bench: reclaimed what a run left behind: ${leaks.join('; ')}`);
    failed = true;
  }
}
if (failed) process.exit(1);

const ref = new Map(got.raw[0]!.tests.map((t) => [t.name, t.verdict]));
console.log(
  `kernel ${kernel}, TCG, 2 vCPUs, 2 GiB, xfs; ${TESTS.join(' ')}; ${rounds} round(s), medians in s`,
);
console.log(
  `verdicts (all sides): ${[...ref].map(([n, v]) => `${n.replace('fixture/', '')}=${v}`).join(' ')}`,
);
console.log(
  'side                         wall   ratio  outside-VM  VM-life  tests  VM-other  startup  [wall per round]',
);
const base = median(got.raw.map((x) => x.wallSec));
const col = (x: number | undefined, w: number) => (x === undefined ? '-' : x.toFixed(1)).padStart(w);
for (const side of ['raw', 'qemu', 'vng'] as Side[]) {
  const xs = got[side];
  const m = (f: (x: FstoResult) => number | undefined) => {
    const v = xs.map(f).filter((x): x is number => x !== undefined);
    return v.length ? median(v) : undefined;
  };
  const wall = m((x) => x.wallSec)!;
  console.log(
    `${LABEL[side].padEnd(26)} ${col(wall, 6)}  ${(wall / base).toFixed(2).padStart(5)}  ${col(
      m((x) => x.wallSec - x.vmSec),
      10,
    )}` +
      `  ${col(
        m((x) => x.vmSec),
        7,
      )}  ${col(
        m((x) => sum(x.tests)),
        5,
      )}  ${col(
        m((x) => x.vmSec - sum(x.tests)),
        8,
      )}` +
      `  ${col(
        m((x) => x.startupSec),
        7,
      )}  [${xs.map((x) => x.wallSec.toFixed(1)).join(', ')}]`,
  );
}
console.log(
  'outside-VM: wall minus VM life (raw: loop devices, config; fsto: dev server, worker, workflow, devices, cleanup).\n' +
    "VM-life: raw: vng start to exit; fsto: its VMs' console logs, created to last written. tests: sum of\n" +
    "check's per-test seconds (whole seconds). VM-other: VM-life minus tests (boot, mkfs, check start-up,\n" +
    'poweroff; fsto also its guest agent and `check -n` listing). startup: fsto server spawn to "run … started"\n' +
    '(fsto side = fsto server + fsto worker + fsto run --json, on a private port, timed start to all exited).',
);

for (const side of ['raw', 'qemu', 'vng'] as Side[]) {
  for (const [i, x] of got[side].entries()) {
    const diff = mismatches(ref, x.tests);
    if (diff.length) {
      console.error(`error: ${LABEL[side]} round ${i + 1} differs from raw round 1:\n  ${diff.join('\n  ')}`);
      failed = true;
    }
  }
}
process.exit(failed ? 1 : 0);
