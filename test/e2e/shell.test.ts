import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { Ledger } from '../../activities/ledger/ledger';
import { canonicalStateDir } from '../../workers/host';
import { layKernelTree } from '../cli/fake-ktree';
import { onPty } from '../cli/pty';
import { loopsUnder, mountsUnder } from '../../kit/devices';
import { FIXTURE } from './fixture';
import { processesMentioning } from './leaks';

const FSTO = fileURLToPath(new URL('../../fsto', import.meta.url));

// fsto shell on a terminal, as people reproduce a failure: the run's devices and local.config in
// a guest booted from a kernel build tree (TCG guest: KVM does not work on these hosts).
describe('fsto shell (pty)', () => {
  it("has the run's devices and config, the tree's modules, and leaves nothing behind on exit", async () => {
    const stateDir = await canonicalStateDir(await mkdtemp(join(tmpdir(), 'fsto-shell-state-')));
    const cfgDir = await mkdtemp(join(tmpdir(), 'fsto-shell-cfg-'));
    await writeFile(join(cfgDir, 'config.yaml'), `fstests: ${FIXTURE}\n`);
    const tree = await mkdtemp(join(tmpdir(), 'fsto-shell-ktree-'));
    await layKernelTree(tree, (m) => !m.startsWith('sound/'));
    const env = { FSTO_STATE_DIR: stateDir, FSTO_CONFIG_DIR: cfgDir, PATH: process.env.PATH! };
    const pty = onPty(
      [FSTO, 'shell', '-c', 'xfs/1k', '--kernel', tree, '--devices-profile', 'fstests_small'],
      env,
    );
    await pty.waitFor(/root@fsto-guest:\S+# $/m);
    pty.key(
      'echo MODS $(ls /lib/modules/$(uname -r)/kernel | tr "\\n" " ") END; ls /dev/vd*; cat local.config\n',
    );
    // The whole of it, up to the next prompt: typed before, `exit` is echoed into cat's output.
    await pty.waitFor(/RESULT_BASE=[\s\S]*root@fsto-guest:\S+# $/);
    pty.key('exit\n');
    expect(await pty.exited, pty.text()).toBe(0);
    const out = pty.text();
    // fstests_small: seven devices, vda-vdg, TEST_DEV first and the pool after SCRATCH_DEV.
    expect(out).toMatch(
      /\/dev\/vda\s+\/dev\/vdb\s+\/dev\/vdc\s+\/dev\/vdd\s+\/dev\/vde\s+\/dev\/vdf\s+\/dev\/vdg\s/,
    );
    expect(out).not.toMatch(/\/dev\/vdh/);
    expect(out).toMatch(/^FSTYP="xfs"$/m);
    expect(out).toMatch(/^TEST_DEV="\/dev\/vda"$/m);
    expect(out).toMatch(/^SCRATCH_DEV_POOL="\/dev\/vdb \/dev\/vdc \/dev\/vdd \/dev\/vde \/dev\/vdf"$/m);
    expect(out).toMatch(/^MKFS_OPTIONS="-b size=1024"$/m); // xfstests-bld's xfs/1k: -bsize=1024
    // The guest's modules are the tree's: the host's kernel/sound is not there.
    const mods = /MODS (.*) END/.exec(out.slice(out.lastIndexOf('MODS ')))?.[1]?.split(' ') ?? [];
    expect(mods).toContain('fs');
    expect(mods).not.toContain('sound');
    // Nothing left: no loop device, mount, VM process or ledger entry.
    expect([...(await loopsUnder(stateDir)).keys()]).toEqual([]);
    expect(await mountsUnder(stateDir)).toEqual([]);
    expect(await processesMentioning(stateDir)).toEqual([]);
    expect(await new Ledger(join(stateDir, 'ledger')).runs()).toEqual([]);
  }, 900_000);
});
