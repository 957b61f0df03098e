import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { execa } from 'execa';
import { beforeAll, describe, expect, it } from 'vitest';
import { onPty } from '../cli/pty';
import { expectedVerdicts } from '../parity/oracle';
import { cliSandbox, FSTO, leftOnHost } from './cli-sandbox';

const NOTHING = { loops: [], mounts: [], processes: [] };

// `fsto run` in the embedded default (its own dev server and in-process worker), killed mid-test
// by SIGTERM (kill, a script, a supervisor) or by its terminal closing (SIGHUP): like the first
// Ctrl-C it must cancel, say so, release everything and print the verdicts so far, exit 128 +
// the signal. Real guests under TCG (KVM does not work on these hosts): a run takes tens of seconds.
describe('fsto run killed by SIGTERM or SIGHUP', () => {
  let env: Record<string, string>;
  let stateDir: string;
  let oracle: Record<string, string>;
  const args = async (cfgDir: string) => {
    const devices = join(cfgDir, 'devices.yaml');
    await writeFile(
      devices,
      'devices:\n  - { name: test, size: 1G, envVar: TEST_DEV }\n  - { name: scratch, size: 1G, envVar: SCRATCH_DEV }\n',
    );
    // fixture/006 sleeps forever: with these timeouts it would hang for 10 minutes.
    return ['run', '-c', 'xfs/4k', '--devices-spec', devices, '--hang-default', '600', '--hang-floor', '600'];
  };
  let runArgs: string[];

  beforeAll(async () => {
    const sb = await cliSandbox('sig');
    ({ stateDir, env } = sb);
    const cfgDir = sb.cfgDir;
    oracle = await expectedVerdicts('fixture', 'guest');
    runArgs = await args(cfgDir);
  });

  let sigtermRun = '';
  /** A cancelled run's summary as JSON: status cancelled, 001's verdict as the oracle has it, 006 none. */
  function expectPartial(json: string, id: string) {
    const summary = JSON.parse(json) as {
      workflowId: string;
      status: string;
      tests: { name: string; verdict: string }[];
    };
    expect(summary.workflowId).toBe(id);
    expect(summary.status).toBe('cancelled');
    expect(summary.tests.map((t) => [t.name, t.verdict])).toEqual([['fixture/001', oracle['fixture/001']]]);
  }

  it('SIGTERM mid-test (--json): cancels, says so, releases everything, prints the verdicts so far, exits 143', async () => {
    const child = execa(FSTO, [...runArgs, '--json', 'fixture/001', 'fixture/006'], { env, reject: false });
    let err = '';
    child.stderr.on('data', (d: Buffer) => (err += d.toString()));
    const end = Date.now() + 600_000;
    while (!/running fixture\/006/.test(err) && child.exitCode === null && Date.now() < end)
      await new Promise((r) => setTimeout(r, 200));
    expect(err).toMatch(/running fixture\/006/);
    await new Promise((r) => setTimeout(r, 3000)); // inside 006, in the guest
    process.kill(child.pid!, 'SIGTERM'); // child.kill would SIGKILL it 5 s later
    const r = await child;
    expect(r.exitCode, err).toBe(143); // 128 + SIGTERM (15), as a shell reports it
    sigtermRun = /run (fsto-\S+) started/.exec(err)![1]!;
    const after = err.slice(err.indexOf('terminated (SIGTERM)'));
    expect(after, err).toMatch(
      new RegExp(
        `^terminated \\(SIGTERM\\): cancelling run ${sigtermRun}; stopping VMs and releasing devices\n`,
      ),
    );
    expect(after).toMatch(/fixture\/006 was interrupted: no verdict/);
    expect(after).toContain(`run ${sigtermRun} cancelled; its devices and VMs are released`);
    expectPartial(r.stdout, sigtermRun);
    expect(await leftOnHost(stateDir)).toEqual(NOTHING);
  }, 900_000);

  it('terminal closed (SIGHUP) mid-test: cancels, releases everything, exits 129', async () => {
    // As in a terminal emulator that closes: the session's shell gets SIGHUP and resends it to its
    // jobs (what an interactive bash does), then the command writes to a hung-up terminal (EIO).
    // This shell also writes down the command's exit status. `script` is killed: the pty's master
    // closes and the kernel hangs the terminal up.
    const status = join(env.FSTO_CONFIG_DIR!, 'exit-status'); // not under stateDir: its shell is no leftover
    const cmd = [FSTO, ...runArgs, 'fixture/001', 'fixture/006'].map((w) => `'${w}'`).join(' ');
    const shell = `trap 'kill -HUP $p' HUP; ${cmd} & p=$!; wait $p; wait $p; echo $? > ${status}`;
    const pty = onPty(['bash', '-c', shell], env);
    await pty.waitFor(/running fixture\/006/);
    await new Promise((r) => setTimeout(r, 3000));
    pty.child.kill('SIGKILL');
    const end = Date.now() + 600_000;
    while (!(await readFile(status, 'utf8').catch(() => '')) && Date.now() < end)
      await new Promise((r) => setTimeout(r, 500));
    expect((await readFile(status, 'utf8')).trim(), pty.text()).toBe('129'); // 128 + SIGHUP (1)
    expect(await leftOnHost(stateDir)).toEqual(NOTHING);
  }, 900_000);

  it('the next command has nothing to resume; both runs are listed cancelled', async () => {
    const next = await execa(FSTO, [...runArgs, 'fixture/001'], { env, reject: false, all: true });
    expect(next.exitCode, next.all).toBe(0);
    expect(next.all).not.toMatch(/resuming/);
    expect(next.all).toMatch(new RegExp(`fixture/001\\s+${oracle['fixture/001']}`));
    expect(await leftOnHost(stateDir)).toEqual(NOTHING);
    const runs = await execa(FSTO, ['runs'], { env, reject: false, all: true });
    expect(runs.all.match(/cancelled/g), runs.all).toHaveLength(2);
    // The killed run's partial verdicts, read back.
    const json = await execa(FSTO, ['results', sigtermRun, '--json'], { env, reject: false });
    expectPartial(json.stdout, sigtermRun);
    const text = await execa(FSTO, ['results', sigtermRun], { env, reject: false });
    expect(text.stdout).toMatch(new RegExp(`fixture/001\\s+${oracle['fixture/001']}`));
    expect(text.stdout).toMatch(/CANCELLED/);
    expect(text.exitCode).toBe(4); // cancelled
  }, 900_000);
});
