import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { listKernels } from '../activities/host/kernel';
import { VmBackendName } from '../common/schemas';
import { plantedProblems } from '../kit/parity-plant-check';
import { plantedNames } from '../kit/parity-plant-tests';
import { abortParity, runParity } from '../kit/parity-run';
import { onInterrupt } from './on-interrupt';

// Verdict parity: the same tests by hand (`vng --exec ./check`, the reference, in a
// throwaway copy of the tree, the same seven loop devices as fsto's default profile) and through
// `fsto run`; prints every test whose verdict differs (the by-hand run is the reference: its own
// result.xml), and whether the user's tree changed. Exit 0 only with no difference at all.
// Run as root:
//   npx tsx bench/parity.ts --fstests DIR --fs xfs|ext4 [--backend qemu|vng] [--kernel IMAGE] TEST…
// A long sample may run its sides apart: `--only hand --hand-json F` runs the reference and keeps
// its verdicts in F; `--only fsto --hand-json F` runs fsto and compares with them (read when fsto is
// done: both sides may run at once).
// --plant adds generic/990–995 (kit/parity-plant-tests.ts: five writers blocked on a frozen
// TEST_DIR until the hung-task detector speaks, then a plain test) to a copy of the tree both
// sides run, and to the tests (then none need be named); they must pass on both sides.

const USAGE =
  'usage: npx tsx bench/parity.ts --fstests DIR --fs FSTYP [--backend qemu|vng] [--kernel IMAGE] [--only hand|fsto --hand-json FILE] [--plant] TEST…';
const { values, positionals } = parseArgs({
  options: {
    fstests: { type: 'string' },
    fs: { type: 'string' },
    backend: { type: 'string' },
    kernel: { type: 'string' },
    only: { type: 'string' },
    'hand-json': { type: 'string' },
    plant: { type: 'boolean' },
  },
  allowPositionals: true,
});
const backend = values.backend === undefined ? undefined : VmBackendName.safeParse(values.backend).data;
const badOnly =
  values.only !== undefined && (!['hand', 'fsto'].includes(values.only) || !values['hand-json']);
const tests = [...positionals, ...(values.plant ? plantedNames() : [])];
if (!values.fstests || !values.fs || tests.length === 0 || (values.backend && !backend) || badOnly) {
  console.error(USAGE);
  process.exit(2);
}
const kernel = values.kernel ? resolve(values.kernel) : (await listKernels())[0];
if (!kernel) throw new Error('no kernel: give --kernel or install a /boot/vmlinuz-*');
const fstests = resolve(values.fstests);

onInterrupt(() =>
  abortParity().then((left) => left.length && console.error(`parity: reclaimed ${left.join('; ')}`)),
);
console.log(
  `parity: ${fstests}, fs ${values.fs}, kernel ${kernel}, fsto backend ${backend ?? 'qemu (default)'}, TCG`,
);
const r = await runParity({
  fstests,
  fs: values.fs,
  tests,
  kernel,
  ...(values.plant ? { plant: true } : {}),
  ...(backend ? { backend } : {}),
  ...(values.only === 'hand' || values.only === 'fsto' ? { only: values.only } : {}),
  ...(values['hand-json'] ? { handJson: resolve(values['hand-json']) } : {}),
});
if (values.only === 'hand') {
  for (const t of r.hand.tests) console.log(`${t.name}  ${t.verdict}`);
  console.log(`by hand: ${r.hand.wallSec.toFixed(0)} s; verdicts kept in ${values['hand-json']}`);
  process.exit(0);
}
const width = Math.max(...r.rows.map((x) => x.test.length), 4);
console.log(`${'test'.padEnd(width)}  ${'by hand'.padEnd(8)}  fsto`);
for (const row of r.rows) {
  console.log(
    `${row.test.padEnd(width)}  ${(row.hand?.verdict ?? 'missing').padEnd(8)}  ${row.fsto?.verdict ?? 'missing'}`,
  );
}
console.log(
  `by hand (vng --exec ./check): ${r.hand.wallSec.toFixed(0)} s; fsto run: ${r.fsto.wallSec.toFixed(0)} s`,
);
console.log(
  r.treeChanges.length
    ? `host tree CHANGED (${r.treeChanges.length} entries):\n  ${r.treeChanges.slice(0, 20).join('\n  ')}`
    : `host tree unchanged (${r.treeEntries} entries: type, mode, size, mtime, link target)`,
);
for (const t of r.fsto.tests.filter((x) => x.crashSignature))
  console.log(`fsto signature ${t.name}: ${t.crashSignature}`);
if (r.fsto.progress.length) console.log(`fsto progress (last): ${r.fsto.progress.at(-1)}`);
const planted = values.plant ? plantedProblems(r.rows, r.fsto.progress, tests.length) : [];
for (const p of planted) console.log(`PLANTED ${p}`);
if (values.plant)
  console.log(`planted tests: ${planted.length ? `${planted.length} problem(s)` : 'as expected'}`);
for (const d of r.diffs) console.log(`DIFFERS ${d}`);
console.log(`${r.diffs.length} differing verdict(s) of ${r.rows.length} tests`);
if (r.diffs.length)
  console.log(`by-hand check output (tail):\n${r.hand.output.split('\n').slice(-40).join('\n')}`);
process.exit(r.diffs.length || r.treeChanges.length || planted.length ? 1 : 0);
