// `fsto bisect` on a REAL kernel (issue 18's bench; not run in CI: a build takes long on 2 cores).
// Given a git tree of Debian's linux-source-6.1 with a planted regression somewhere in good..bad
// (e.g. a changed default a test reads, or an ioctl that returns the wrong error), a kernel config
// and the tests that see it, it runs `fsto bisect --json` and prints the answer, the builds made and
// taken from the cache, the steps, and the wall time. A second bisection of the same range (-2)
// shows the build cache: every step's build is a cache hit.
//
// Preparing the tree (once):
//   apt-get install linux-source-6.1 build-essential bc bison flex libelf-dev libssl-dev
//   tar xf /usr/src/linux-source-6.1.tar.xz -C /srv && cd /srv/linux-source-6.1
//   git init -q && git add -A && git commit -qm base && (≥ 8 commits, one planting the regression)
// Then:
//   npx tsx bench/bisect-kernel.ts TREE GOOD BAD CONFIG FSTESTS TEST… [-- -c xfs/4k] [-2]
//   e.g. npx tsx bench/bisect-kernel.ts /srv/linux-source-6.1 base HEAD /srv/small.config \
//          /srv/xfstests-dev generic/001 -- -c xfs/4k
// CONFIG is a defconfig target (x86_64_defconfig) or a .config file (a small one: virtio, 9p,
// overlay, the filesystem under test).
import { fileURLToPath } from 'node:url';
import { run } from '../activities/process';
import { BisectResult } from '../common/schemas';

const FSTO = fileURLToPath(new URL('../fsto', import.meta.url));
const args = process.argv.slice(2);
const twice = args.includes('-2');
const dash = args.indexOf('--');
const [tree, good, bad, config, fstests, ...tests] = (dash < 0 ? args : args.slice(0, dash)).filter(
  (a) => a !== '-2',
);
const extra = dash < 0 ? [] : args.slice(dash + 1).filter((a) => a !== '-2');
if (!tree || !good || !bad || !config || !fstests || !tests.length) {
  console.error(
    'usage: npx tsx bench/bisect-kernel.ts TREE GOOD BAD CONFIG FSTESTS TEST… [-- fsto bisect flags] [-2]',
  );
  process.exit(2);
}

async function bisectOnce(label: string): Promise<void> {
  const argv = [
    FSTO,
    'bisect',
    '--json',
    '--tree',
    tree!,
    '--good',
    good!,
    '--bad',
    bad!,
    '--kconfig',
    config!,
    '--fstests',
    fstests!,
    ...extra,
    ...tests,
  ];
  const t0 = Date.now();
  const r = await run(argv);
  const wallSec = (Date.now() - t0) / 1000;
  if (r.exitCode !== 0 && r.exitCode !== 1) {
    console.error(`${label}: fsto bisect exited ${r.exitCode}\n${r.stderr.slice(-4000)}`);
    process.exit(1);
  }
  const res = BisectResult.parse(JSON.parse(r.stdout));
  const built = res.steps.filter((s) => s.cached === false).length;
  const hits = res.steps.filter((s) => s.cached === true).length;
  const skipped = res.steps.filter((s) => s.verdict === 'skip').length;
  console.log(
    `${label}: ${res.firstBad ? `first bad ${res.firstBad.commit} ${res.firstBad.subject}` : `candidates ${(res.candidates ?? []).join(' ')}`}`,
  );
  for (const [i, s] of res.steps.entries())
    console.log(
      `  step ${i + 1}: ${s.commit.slice(0, 12)} ${s.describe ?? ''} ${s.verdict}${s.cached ? ' (cached build)' : ''}`,
    );
  console.log(
    `  steps ${res.steps.length}, builds ${built}, cache hits ${hits}, skipped ${skipped}, wall ${wallSec.toFixed(0)} s`,
  );
}

await bisectOnce('bisection');
if (twice) await bisectOnce('again (cache)');
