import { existsSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { FstoError, failureKind } from '../../common/errors';
import { RunSpec } from '../../common/schemas';
import { exitCodeForFailure } from '../../client/core/exit-codes';
import { openShell } from '../../client/shell/shell-session';
import { loopsUnder } from '../../kit/devices';
import { FIXTURE, SMALL_DEVICES } from '../e2e/fixture';

// `fsto shell` calls the host library itself (no workflow, no activity): what the library refuses
// must reach the CLI as the same kind a run's refusal has (bad input: exit 2), and the host's
// allowlist must hold for it as for a run's claim. On the old code the shell read any configFile
// as root without the allowlist, made the devices and booted a guest.

describe('fsto shell, refused by the host before anything is made', () => {
  const dirs: string[] = [];
  afterAll(async () => Promise.all(dirs.map((d) => rm(d, { recursive: true, force: true }))));

  it('a configFile outside allow.paths: FstoError InvalidSpec, exit 2, no device, no run dir', async () => {
    const [stateDir, outside] = [
      await mkdtemp(join(tmpdir(), 'fsto-shell-refused-')),
      await mkdtemp(join(tmpdir(), 'fsto-outside-')),
    ];
    dirs.push(stateDir, outside);
    const secret = join(outside, 'other.config');
    await writeFile(secret, '[s]\nFSTYP=xfs\n');
    await writeFile(join(stateDir, 'host.yaml'), `allow:\n  paths: [${FIXTURE}, /boot]\n`);
    const spec = RunSpec.parse({
      fstests: FIXTURE,
      fs: 'xfs',
      tests: [],
      devices: SMALL_DEVICES,
      configFile: secret,
      section: 's',
    });
    const logged: string[] = [];
    const err = await openShell(spec, { log: (l) => logged.push(l), vmSlots: 1, stateDir }).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(FstoError);
    expect((err as Error).message).toMatch(
      new RegExp(
        `^configFile: ${secret} is outside the paths this host allows \\(allow.paths in ${stateDir}/host.yaml`,
      ),
    );
    expect(exitCodeForFailure(failureKind(err))).toBe(2);
    expect(await loopsUnder(stateDir)).toEqual(new Map());
    expect(existsSync(join(stateDir, 'runs'))).toBe(false);
    expect(logged).toEqual([]);
  });
});
