import { mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { canonicalStateDir } from '../../workers/host';
import { onPty } from '../cli/pty';
import { FSTO, leftOnHost } from './cli-sandbox';
import { FIXTURE } from './fixture';

// The terminal of an `fsto shell` closes (the user closes the window): the shell's VM and devices
// are released and the command ends by SIGHUP (129), not by a crash on the dead terminal. TCG guest.
describe('fsto shell, terminal closed', () => {
  it('releases everything and ends by SIGHUP', async () => {
    const stateDir = await canonicalStateDir(await mkdtemp(join(tmpdir(), 'fsto-shup-state-')));
    const cfgDir = await mkdtemp(join(tmpdir(), 'fsto-shup-cfg-'));
    await writeFile(join(cfgDir, 'config.yaml'), `fstests: ${FIXTURE}\n`);
    const env = { FSTO_STATE_DIR: stateDir, FSTO_CONFIG_DIR: cfgDir, PATH: process.env.PATH! };
    // The terminal's shell resends SIGHUP to its job (as an interactive bash does) and writes down
    // its exit status; the job keeps the terminal as its stdin (fd 3: an asynchronous command's
    // stdin would be /dev/null). The job also gets the kernel's own SIGHUP (same process group),
    // and here ten more 0.1 s apart: a repeated hang-up must not cut the release short.
    const status = join(cfgDir, 'exit-status'); // not under stateDir: its shell is no leftover
    const cmd = [FSTO, 'shell', '-c', 'xfs/4k', '--devices-profile', 'fstests_small'].map((w) => `'${w}'`);
    const shell =
      `trap 'kill -HUP $p; for i in 1 2 3 4 5 6 7 8 9 10; do sleep 0.1; kill -HUP $p 2>/dev/null; done' HUP; exec 3<&0; ${cmd.join(' ')} <&3 3<&- & p=$!; ` +
      `wait $p; wait $p; echo $? > ${status}`;
    const pty = onPty(['bash', '-c', shell], env);
    await pty.waitFor(/root@fsto-guest:\S+# $/m);
    expect((await leftOnHost(stateDir)).loops.length, pty.text()).toBeGreaterThan(0);
    pty.child.kill('SIGKILL'); // the pty's master closes: the kernel hangs the terminal up
    const end = Date.now() + 300_000;
    while (!(await readFile(status, 'utf8').catch(() => '')) && Date.now() < end)
      await new Promise((r) => setTimeout(r, 500));
    expect((await readFile(status, 'utf8')).trim(), pty.text()).toBe('129'); // 128 + SIGHUP (1)
    expect(await leftOnHost(stateDir)).toEqual({ loops: [], mounts: [], processes: [] });
  }, 600_000);
});
