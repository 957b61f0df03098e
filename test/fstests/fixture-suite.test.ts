import { cp, mkdir, mkdtemp, readFile, readlink, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { checkArgv, listArgv, parseListing } from '../../activities/fstests/check-argv';
import { checkEnv, dirsToCreate, renderLocalConfig, testDevMkfsArgv } from '../../activities/fstests/config';
import type { ProgressEvent } from '../../activities/verdicts/progress';
import { run, runOk } from '../../activities/process';
import { parseCheckTime } from '../../activities/verdicts/checktime';
import { mergeVerdicts } from '../../activities/verdicts/merge';
import { readXunit, reportDir } from '../../activities/verdicts/xunit';
import { parseProgress } from '../helpers/parse-progress';
import { expectedVerdicts, FIXTURE_SUITE } from '../parity/oracle';

// The fixture suite run for real on this host: two real loop devices (created here, and only
// those detached), a local.config from config.ts, the fixture `check` with -R xunit. The hang
// test (006) is excluded; the crash test (007) must be `notrun` here: this host's kernel command
// line has no fsto.guest=1 (asserted below before anything runs). Like a by-hand fstests run, some
// tests write into the suite's own tree (009, 010): it runs in a copy, the repo's stays clean.

const SECTION = 'fsto';

/** What each fixture test must give on a host: the suite's oracle (tests/fixture/expected). */
let intended: Record<string, string>;

let dir = '';
let fixtureDir = '';
const loops: string[] = [];
let cfg: { testDir: string; scratchMnt: string; resultBase: string };
let env: Record<string, string>;

async function losetup(file: string): Promise<string> {
  await runOk(['truncate', '-s', '512M', file]);
  const dev = (await runOk(['losetup', '--find', '--show', file])).trim();
  loops.push(dev);
  return dev;
}

beforeAll(async () => {
  expect(process.getuid?.(), 'the fixture suite needs root (loop devices, mount)').toBe(0);
  const cmdline = (await readFile('/proc/cmdline', 'utf8')).split(/\s+/);
  expect(cmdline, 'this host must not look like an fsto guest: fixture/007 would crash it').not.toContain(
    'fsto.guest=1',
  );
  dir = await mkdtemp(join(tmpdir(), 'fsto-fixture-'));
  fixtureDir = join(dir, 'suite');
  await cp(FIXTURE_SUITE, fixtureDir, { recursive: true, preserveTimestamps: true });
  // 012 and 014 (group vmonly) need a guest's system (udevd, a guest's default rlimits).
  const {
    'fixture/006': _hangs,
    'fixture/012': _udev,
    'fixture/014': _rlimits,
    ...rest
  } = await expectedVerdicts('fixture', 'host');
  intended = rest;
  const test = await losetup(join(dir, 'test.img'));
  const scratch = await losetup(join(dir, 'scratch.img'));
  cfg = { testDir: join(dir, 'test'), scratchMnt: join(dir, 'scratch'), resultBase: join(dir, 'results') };
  for (const d of dirsToCreate(cfg)) await mkdir(d, { recursive: true });
  await runOk(testDevMkfsArgv('xfs', test));
  const config = join(dir, 'local.config');
  await writeFile(
    config,
    renderLocalConfig({
      fs: 'xfs',
      deviceEnv: { TEST_DEV: test, SCRATCH_DEV: scratch },
      section: SECTION,
      ...cfg,
    }),
  );
  await writeFile(join(dir, 'exclude'), 'fixture/003  # slow\n');
  // FSTO_FIXTURE_KMSG=1: let fixture/008 write its (clearly labelled) fake WARNING to this host's
  // kernel log, so the .dmesg path is exercised.
  env = { ...(process.env as Record<string, string>), ...checkEnv(config), FSTO_FIXTURE_KMSG: '1' };
});

afterAll(async () => {
  if (cfg) for (const m of [cfg.testDir, cfg.scratchMnt]) await run(['umount', m]).catch(() => undefined);
  for (const dev of loops) await run(['losetup', '-d', dev]);
  if (dir) await rm(dir, { recursive: true, force: true });
});

describe('fixture suite on real loop devices', () => {
  let progress: ProgressEvent[] = [];

  it('lists a selection with -n: sorted, [expunged] from -E, unknown names reported', async () => {
    const argv = listArgv({ section: SECTION, groups: ['auto'], excludeFile: join(dir, 'exclude') });
    const res = await run([...argv, 'fixture/999'], { cwd: fixtureDir, env });
    expect(res.exitCode, res.stdout + res.stderr).toBe(0);
    expect(parseListing(res.stdout)).toEqual({
      tests: [
        'fixture/001',
        'fixture/002',
        'fixture/004',
        'fixture/005',
        'fixture/008',
        'fixture/009',
        'fixture/010',
      ],
      expunged: ['fixture/003'],
      unknown: ['fixture/999'],
    });
  });

  // bench: tests/bench/* only sleep (60 s) for bench/sharding.ts; they are not part of this check.
  it('runs -g all -x hang,bench,vmonly,bisect -R xunit: the verdicts are the intended ones', async () => {
    const res = await run(
      // bisect: tests/bisect/001 reads the stand-in kernel's marker; test/bisect runs it.
      checkArgv({ section: SECTION, groups: ['all'], excludeGroups: ['hang', 'bench', 'vmonly', 'bisect'] }),
      {
        cwd: fixtureDir,
        env,
        timeoutMs: 120_000,
      },
    );
    expect(res.exitCode, res.stdout + res.stderr).toBe(1); // failures → exit 1, as fstests
    progress = parseProgress(res.stdout);
    const verdicts = Object.fromEntries(
      progress.flatMap((e) => (e.kind === 'finished' ? [[e.test, e.verdict]] : [])),
    );
    expect(verdicts).toEqual(intended);
    const crash = progress.find((e) => e.kind === 'finished' && e.test === 'fixture/007');
    expect(crash?.kind === 'finished' && crash.reason).toMatch(/runs only in an fsto guest/);
    expect(progress.filter((e) => e.kind === 'summary').at(-1)).toMatchObject({
      failures: ['fixture/004', 'fixture/008', 'fixture/011'],
      notRun: ['fixture/005', 'fixture/007'],
      failed: 3,
      total: 12,
    });
    // 009 chose its golden output and 010 wrote its helper in the suite's own tree.
    expect(await readlink(join(fixtureDir, 'tests/fixture/009.out'))).toBe('009.out.xfs');
    await expect(readFile(join(fixtureDir, 'tests/fixture/010.helper'), 'utf8')).resolves.toMatch(/^#!/);
  });

  it('wrote result.xml, check.log, check.time and per-test files as fstests does', async () => {
    const rdir = reportDir(cfg.resultBase, SECTION);
    const xunit = (await readXunit(rdir))!;
    expect(xunit.complete).toBe(true);
    expect(Object.fromEntries(xunit.cases.map((c) => [c.result.name, c.result.verdict]))).toEqual(intended);
    const mismatch = xunit.cases.find((c) => c.result.name === 'fixture/004')!;
    expect(mismatch.result.reason).toBe(`- output mismatch (see ${rdir}/fixture/004.out.bad)`);
    expect(mismatch.systemErr).toMatch(/-files: 4\n\+files: 3/);
    expect(mismatch.systemOut).toMatch(/^counted 3 files/);
    const dmesg = xunit.cases.find((c) => c.result.name === 'fixture/008')!;
    expect(dmesg.kernelLog).toMatch(/fsto-fixture: WARNING: simulated warning/);
    expect(xunit.properties).toMatchObject({ FSTYP: 'xfs', SECTION, TEST_DIR: cfg.testDir });

    const log = await readFile(join(rdir, 'check.log'), 'utf8');
    expect(log).toMatch(/^Failures: fixture\/004 fixture\/008 fixture\/011$/m);
    expect(log).toMatch(/^Failed 3 of 12 tests$/m);
    const times = parseCheckTime(await readFile(join(cfg.resultBase, 'check.time'), 'utf8'));
    expect([...times.keys()]).toEqual([
      'fixture/001',
      'fixture/002',
      'fixture/003',
      'fixture/009',
      'fixture/010',
      'fixture/013',
      'fixture/015',
    ]);
    expect(times.get('fixture/003')).toBeGreaterThanOrEqual(2);

    for (const f of ['004.out.bad', '004.full', '005.notrun', '007.notrun', '008.dmesg', '015.env']) {
      await expect(readFile(join(rdir, 'fixture', f), 'utf8')).resolves.toBeTruthy();
    }
    const merged = mergeVerdicts({
      expected: Object.keys(intended),
      xunit: xunit.cases.map((c) => c.result),
      progress,
    });
    expect(Object.fromEntries(merged.results.map((r) => [r.name, r.verdict]))).toEqual(intended);
    expect(merged.missing).toEqual([]);
  });

  // fixture/011 fails its odd runs in a results dir and passes its even ones (by design).
  it('-L 2: a failing test reruns twice at once, each run reported, only the first failure counts', async () => {
    const rdir = reportDir(cfg.resultBase, SECTION);
    await rm(join(rdir, 'fixture/011.runs'), { force: true });
    const res = await run(
      ['./check', '-s', SECTION, '-R', 'xunit', '-L', '2', 'fixture/011', 'fixture/001'],
      { cwd: fixtureDir, env },
    );
    expect(res.exitCode, res.stdout).toBe(1);
    const lines = res.stdout.split('\n');
    expect(lines.filter((l) => l.startsWith('fixture/011'))).toEqual([
      expect.stringMatching(/^fixture\/011 +- output mismatch/),
      expect.stringMatching(/^fixture\/011 .*\d+s$/),
      expect.stringMatching(/^fixture\/011 +- output mismatch/),
      'fixture/011 aggregate results across 3 runs: pass=1 (33.3%), fail=2 (66.7%)',
    ]);
    expect(res.stdout).toMatch(/^Ran: fixture\/001 fixture\/011$/m); // sorted, and 011 once
    expect(res.stdout).toMatch(/^Failures: fixture\/011$/m);
    expect(res.stdout).toMatch(/^Failed 1 of 2 tests$/m);
    const xunit = (await readXunit(rdir))!;
    expect(xunit.cases.map((c) => `${c.result.name} ${c.result.verdict}`)).toEqual([
      'fixture/001 pass',
      'fixture/011 fail',
      'fixture/011 pass',
      'fixture/011 fail',
    ]);
    // Each failed run's files are kept (.rerunK); the passing run 1 left none.
    await expect(readFile(join(rdir, 'fixture/011.out.bad.rerun0'), 'utf8')).resolves.toMatch(/run 1: odd/);
    await expect(readFile(join(rdir, 'fixture/011.out.bad.rerun2'), 'utf8')).resolves.toMatch(/run 3: odd/);
    await expect(readFile(join(rdir, 'fixture/011.out.bad.rerun1'))).rejects.toThrow(/ENOENT/);
  });

  it('-i 2 runs the list twice; -I 2 stops after an iteration with a failure', async () => {
    const rdir = reportDir(cfg.resultBase, SECTION);
    await rm(join(rdir, 'fixture/011.runs'), { force: true });
    const twice = await run(['./check', '-s', SECTION, '-i', '2', 'fixture/011'], { cwd: fixtureDir, env });
    expect(twice.exitCode, twice.stdout).toBe(1);
    expect(twice.stdout.split('\n').filter((l) => l.startsWith('fixture/011'))).toEqual([
      expect.stringMatching(/- output mismatch/),
      expect.stringMatching(/^fixture\/011 .*\d+s$/),
    ]);
    await rm(join(rdir, 'fixture/011.runs'), { force: true });
    const stop = await run(['./check', '-s', SECTION, '-I', '2', 'fixture/011'], { cwd: fixtureDir, env });
    expect(stop.exitCode, stop.stdout).toBe(1);
    expect(stop.stdout.split('\n').filter((l) => l.startsWith('fixture/011'))).toHaveLength(1);
  });

  it('shows the last run time on the next run, and left nothing mounted', async () => {
    const res = await run(checkArgv({ section: SECTION, tests: ['fixture/001'] }), { cwd: fixtureDir, env });
    expect(res.exitCode, res.stdout).toBe(0);
    const started = parseProgress(res.stdout).find((e) => e.kind === 'started');
    expect(started).toMatchObject({ kind: 'started', test: 'fixture/001' });
    expect(started?.kind === 'started' && typeof started.lastDurationSec).toBe('number');
    const mounts = await readFile('/proc/mounts', 'utf8');
    expect(mounts).not.toContain(cfg.testDir);
    expect(mounts).not.toContain(cfg.scratchMnt);
  });
});
