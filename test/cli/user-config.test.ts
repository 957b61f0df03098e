import { mkdir, mkdtemp, writeFile } from 'node:fs/promises';
import { homedir, tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { planRuns } from '../../client/run/run-flags';
import { configDir, loadUserConfigs, loadUserDefaults, UserConfigError } from '../../client/core/user-config';

const none = { configs: [], group: [], exclude: [], excludeTest: [], var: [], append: [] };

describe('the user config dir', () => {
  it('is $XDG_CONFIG_HOME/fsto, else ~/.config/fsto; FSTO_CONFIG_DIR wins', () => {
    expect(configDir({ XDG_CONFIG_HOME: '/x/cfg' })).toBe('/x/cfg/fsto');
    expect(configDir({ XDG_CONFIG_HOME: 'relative' })).toBe(join(homedir(), '.config/fsto')); // XDG: absolute only
    expect(configDir({})).toBe(join(homedir(), '.config/fsto'));
    expect(configDir({ FSTO_CONFIG_DIR: '/y', XDG_CONFIG_HOME: '/x' })).toBe('/y');
  });

  it('gives run defaults (paths from ~ or the file) and named configs that -c then uses', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'fsto-ucfg-'));
    await writeFile(
      join(dir, 'config.yaml'),
      'fstests: ~/src/xfstests-dev\nkernel: ../linux\nconfigs: [xfs/mine, ext4/1k]\nbackend: vng\n',
    );
    await mkdir(join(dir, 'configs'));
    await writeFile(
      join(dir, 'configs', 'mine.yaml'),
      'xfs/mine:\n  fs: xfs\n  description: reflink 1k\n  mkfsOptions: -b size=1024 -m reflink=1\n  external: [log]\n',
    );
    const d = await loadUserDefaults(dir);
    expect([d.fstests, d.kernel]).toEqual([join(homedir(), 'src/xfstests-dev'), join(dir, '../linux')]);
    const runs = planRuns(none, ['quick'], d, await loadUserConfigs(dir));
    expect(
      runs.map((r) => [r.label, r.spec.fstests, r.spec.kernel, r.spec.vm?.backend, r.spec.mkfsOptions]),
    ).toEqual([
      ['xfs/mine', d.fstests, d.kernel, 'vng', '-b size=1024 -m reflink=1'],
      ['ext4/1k', d.fstests, d.kernel, 'vng', '-b 1024'],
    ]);
    const logdevs = (runs[0]!.spec.devices?.devices ?? []).map((x) => x.envVar);
    expect(logdevs).toEqual(expect.arrayContaining(['TEST_LOGDEV', 'SCRATCH_LOGDEV']));
  });

  it('refuses what it does not know, naming the file and the field', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'fsto-ucfg-bad-'));
    await writeFile(join(dir, 'config.yaml'), 'fstest: /x\n');
    await expect(loadUserDefaults(dir)).rejects.toThrow(UserConfigError);
    await expect(loadUserDefaults(dir)).rejects.toThrow(/config\.yaml[\s\S]*fstest/);
    await mkdir(join(dir, 'configs'));
    await writeFile(join(dir, 'configs', 'a.yaml'), 'xfs/x: { fs: xfs, mkfsOptions: "-b $(reboot)" }\n');
    await expect(loadUserConfigs(dir)).rejects.toThrow(/a\.yaml: xfs\/x[\s\S]*mkfsOptions/);
    expect(await loadUserDefaults(join(dir, 'none'))).toEqual({ file: join(dir, 'none', 'config.yaml') });
  });
});
