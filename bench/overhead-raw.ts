import { mkdir, rm, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { renderLocalConfig, testDevMkfsArgv } from '../activities/fstests/config';
import { readXunit, reportDir } from '../activities/results/xunit';
import { run, runOk } from '../activities/process';
import { vngBin } from '../activities/settings';
import { TCG_CMDLINE } from '../activities/vm/backend';
import { profileDevices, type TestResult } from '../common/schemas';
import { runGroup } from './overhead-group';

// The baseline of bench/overhead.ts, as DESIGN.md names it: `vng --exec ./check …` by hand.
// Two sparse files on loop devices we create (and detach: exactly those), a local.config from
// renderLocalConfig, RESULT_BASE on a --rwdir, TEST_DEV mkfs'ed in the guest, then check.

export interface SideResult {
  wallSec: number;
  /** The VM's life: vng start to exit (raw), console log created to last written (fsto). */
  vmSec: number;
  tests: TestResult[];
}

/** Loop devices created by the raw side and not yet detached (for cleanup on abort). */
export const rawLoops = new Set<string>();

export async function detachRawLoops(): Promise<void> {
  for (const dev of rawLoops) {
    await run(['losetup', '--detach', dev]);
    rawLoops.delete(dev);
  }
}

/** Section the raw side runs; fsto's generated config uses the same name. */
const SECTION = 'fsto';
/** Same size as TEST_DEV/SCRATCH_DEV of fsto's default device profile. */
const SIZE = profileDevices('fstests_default')[0]!.size!;

/** Pure: the vng argv. Disks as raw QEMU options (format=raw, serial), as the vng backend does. */
export function rawVngArgv(o: { kernel: string; loops: string[]; rwdir: string; exec: string }): string[] {
  const disks = o.loops.flatMap((dev, i) => [
    '-drive',
    `file=${dev},format=raw,if=none,id=bench-d${i}`,
    '-device',
    `virtio-blk-pci,drive=bench-d${i},serial=bench-d${i}`,
  ]);
  return [
    vngBin(),
    '--run',
    o.kernel,
    '--disable-kvm',
    '--cpus',
    '2',
    '--memory',
    '2G',
    ...TCG_CMDLINE.map((w) => `--append=${w}`),
    `--rwdir=${o.rwdir}`,
    ...disks.map((w) => `--qemu-opts=${w}`),
    '--exec',
    o.exec,
  ];
}

/** Pure: the guest command. FSTO_FIXTURE_KMSG=1 lets fixture/008 log its WARNING outside fsto. */
export function rawExec(o: {
  fixture: string;
  config: string;
  guestTmp: string;
  tests: string[];
  /** check's console output, a file on the --rwdir. */
  out: string;
}): string {
  return [
    `mkdir -p ${o.guestTmp}/test ${o.guestTmp}/scratch`,
    `${testDevMkfsArgv('xfs', '/dev/vda').join(' ')} >/dev/null`,
    `cd ${o.fixture}`,
    // Output to a file: vng's stdout port goes dead once QEMU reads EOF on its stdin (ours is
    // /dev/null), and the guest's next write to it blocks forever.
    `HOST_OPTIONS=${o.config} FSTO_FIXTURE_KMSG=1 ./check -R xunit -s ${SECTION} ${o.tests.join(' ')} </dev/null >${o.out} 2>&1`,
  ].join(' && ');
}

export async function runRaw(o: {
  dir: string;
  kernel: string;
  fixture: string;
  tests: string[];
  round: number;
}): Promise<SideResult> {
  const dir = join(o.dir, `raw-${o.round}`);
  const resultBase = join(dir, 'results');
  const config = join(dir, 'local.config');
  const t0 = Date.now();
  await mkdir(resultBase, { recursive: true });
  const loops: string[] = [];
  try {
    for (const name of ['test', 'scratch']) {
      const file = join(dir, `${name}.img`);
      await runOk(['truncate', '--size', SIZE, file]);
      const dev = (await runOk(['losetup', '--find', '--show', file])).trim();
      rawLoops.add(dev);
      loops.push(dev);
    }
    const guestTmp = `/tmp/fsto-bench-raw-${process.pid}-${o.round}`;
    const text = renderLocalConfig({
      fs: 'xfs',
      deviceEnv: { TEST_DEV: '/dev/vda', SCRATCH_DEV: '/dev/vdb' },
      testDir: `${guestTmp}/test`,
      scratchMnt: `${guestTmp}/scratch`,
      resultBase,
      section: SECTION,
    });
    await writeFile(config, text);
    const exec = rawExec({
      fixture: o.fixture,
      config,
      guestTmp,
      tests: o.tests,
      out: join(resultBase, 'check.out'),
    });
    const vng = await runGroup(rawVngArgv({ kernel: o.kernel, loops, rwdir: resultBase, exec }), {
      cwd: '/', // vng checks --rwdir relative to the cwd
      env: { ...process.env, PATH: `${dirname(vngBin())}:/usr/sbin:/usr/bin:/sbin:/bin` },
      timeoutMs: 15 * 60_000,
    });
    if (vng.stragglers) throw new Error('raw: vng left processes in its group (killed them)');
    const report = await readXunit(reportDir(resultBase, SECTION));
    if (!report) {
      throw new Error(
        `raw: no result.xml in ${reportDir(resultBase, SECTION)} (vng exit ${vng.exit}); output:\n${(vng.stdout + vng.stderr).slice(-3000)}`,
      );
    }
    for (const dev of loops.reverse()) {
      await runOk(['losetup', '--detach', dev]);
      rawLoops.delete(dev);
    }
    await rm(dir, { recursive: true, force: true });
    return {
      wallSec: (Date.now() - t0) / 1000,
      vmSec: (vng.endedAt - vng.startedAt) / 1000,
      tests: report.cases.map((c) => c.result),
    };
  } finally {
    await detachRawLoops();
  }
}
