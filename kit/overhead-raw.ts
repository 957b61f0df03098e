import { mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { readXunit, reportDir } from '../activities/verdicts/xunit';
import { run, runOk } from '../activities/process';
import { vngBin } from '../activities/settings';
import { TCG_CMDLINE } from '../activities/vm/backend';
import { profileDevices, type TestResult } from '../common/schemas';
import { runGroup } from './overhead-group';

// The baseline of bench/overhead.ts and bench/parity.ts (docs/architecture.md, Truth of
// results): `vng --exec ./check …` by hand. Sparse files on loop devices we create (and detach: exactly those), a
// local.config written as a user writes one (not by fsto's code: this side is the reference),
// RESULT_BASE on a --rwdir, TEST_DEV mkfs'ed in the guest, then check. With copyTree the tree is
// copied into the --rwdir first and check runs there: a by-hand run writes into its tree (fstests'
// _link_out_file), and the user's tree must stay as it was.

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

/**
 * Which devices the by-hand config names. pair: TEST_DEV and SCRATCH_DEV (the baseline's);
 * fsto: the same seven devices and variables as `fsto run`'s default profile (TEST_DEV, a
 * SCRATCH_DEV_POOL of five, LOGWRITES_DEV), so that tests needing a pool or a log-writes device
 * see the same thing on both sides of bench/parity.ts.
 */
export type RawLayout = 'pair' | 'fsto';

/** Pure: the device variables of the by-hand config (guest disks in order: vda, vdb, …). */
export function rawDeviceVars(layout: RawLayout): [string, string][] {
  if (layout === 'pair')
    return [
      ['TEST_DEV', '/dev/vda'],
      ['SCRATCH_DEV', '/dev/vdb'],
    ];
  const pool = ['b', 'c', 'd', 'e', 'f'].map((l) => `/dev/vd${l}`).join(' ');
  return [
    ['TEST_DEV', '/dev/vda'],
    ['SCRATCH_DEV_POOL', pool],
    ['LOGWRITES_DEV', '/dev/vdg'],
  ];
}

/** Pure: local.config as a user writes it for a by-hand run. */
export function rawLocalConfig(o: {
  fs: string;
  layout: RawLayout;
  guestTmp: string;
  resultBase: string;
}): string {
  const vars: [string, string][] = [
    ['FSTYP', o.fs],
    ...rawDeviceVars(o.layout),
    ['TEST_DIR', `${o.guestTmp}/test`],
    ['SCRATCH_MNT', `${o.guestTmp}/scratch`],
    ['RESULT_BASE', o.resultBase],
  ];
  return [`[${SECTION}]`, ...vars.map(([k, v]) => `${k}="${v}"`), ''].join('\n');
}

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
  fs: string;
  config: string;
  guestTmp: string;
  tests: string[];
  /** check's console output, a file on the --rwdir. */
  out: string;
}): string {
  return [
    `mkdir -p ${o.guestTmp}/test ${o.guestTmp}/scratch`,
    `mkfs.${o.fs} ${/^ext[234]$/.test(o.fs) ? '-F' : '-f'} /dev/vda >/dev/null`,
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
  /** FSTYP; default xfs. */
  fs?: string;
  /** Default pair (the baseline's). */
  layout?: RawLayout;
  /** Run check in a copy of the tree (in the --rwdir), as a by-hand run writes into its tree. */
  copyTree?: boolean;
  timeoutMs?: number;
}): Promise<SideResult & { output: string }> {
  const fs = o.fs ?? 'xfs';
  const layout = o.layout ?? 'pair';
  const dir = join(o.dir, `raw-${o.round}`);
  const resultBase = join(dir, 'results');
  const config = join(dir, 'local.config');
  const t0 = Date.now();
  await mkdir(resultBase, { recursive: true });
  const tree = o.copyTree ? join(dir, 'tree') : o.fixture;
  if (o.copyTree) await runOk(['cp', '-a', o.fixture, tree]);
  const loops: string[] = [];
  try {
    const disks = rawDeviceVars(layout).flatMap(([, v]) => v.split(' ')).length;
    for (let i = 0; i < disks; i++) {
      const file = join(dir, `disk${i}.img`);
      await runOk(['truncate', '--size', SIZE, file]);
      const dev = (await runOk(['losetup', '--find', '--show', file])).trim();
      rawLoops.add(dev);
      loops.push(dev);
    }
    const guestTmp = `/tmp/fsto-bench-raw-${process.pid}-${o.round}`;
    await writeFile(config, rawLocalConfig({ fs, layout, guestTmp, resultBase }));
    const out = join(resultBase, 'check.out');
    const exec = rawExec({
      fixture: tree,
      fs,
      config,
      guestTmp,
      tests: o.tests,
      out,
    });
    const vng = await runGroup(rawVngArgv({ kernel: o.kernel, loops, rwdir: dir, exec }), {
      cwd: '/', // vng checks --rwdir relative to the cwd
      env: { ...process.env, PATH: `${dirname(vngBin())}:/usr/sbin:/usr/bin:/sbin:/bin` },
      timeoutMs: o.timeoutMs ?? 15 * 60_000,
    });
    if (vng.stragglers) throw new Error('raw: vng left processes in its group (killed them)');
    const report = await readXunit(reportDir(resultBase, SECTION));
    if (!report) {
      throw new Error(
        `raw: no result.xml in ${reportDir(resultBase, SECTION)} (vng exit ${vng.exit}); output:\n${(vng.stdout + vng.stderr).slice(-3000)}`,
      );
    }
    const output = await readFile(out, 'utf8').catch(() => '');
    for (const dev of loops.reverse()) {
      await runOk(['losetup', '--detach', dev]);
      rawLoops.delete(dev);
    }
    await rm(dir, { recursive: true, force: true });
    return {
      wallSec: (Date.now() - t0) / 1000,
      vmSec: (vng.endedAt - vng.startedAt) / 1000,
      tests: report.cases.map((c) => c.result),
      output,
    };
  } finally {
    await detachRawLoops();
  }
}
