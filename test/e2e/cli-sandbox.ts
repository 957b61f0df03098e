import { mkdtemp, writeFile } from 'node:fs/promises';
import { execa } from 'execa';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { freePort } from '../../client/server/dev-server';
import { canonicalStateDir } from '../../workers/host';
import { FIXTURE } from './fixture';

// What the CLI end-to-end tests run `./fsto` in: a private state dir, a config dir whose
// config.yaml names the fixture suite and free server ports (nothing shared with other users).

export const FSTO = fileURLToPath(new URL('../../fsto', import.meta.url));

export { freePort };

export interface CliSandbox {
  stateDir: string;
  cfgDir: string;
  port: number;
  /** The environment for ./fsto: those dirs, and no KVM probe (KVM does not work on these hosts). */
  env: Record<string, string>;
}

export async function cliSandbox(name: string): Promise<CliSandbox> {
  const stateDir = await canonicalStateDir(await mkdtemp(join(tmpdir(), `fsto-${name}-state-`)));
  const cfgDir = await mkdtemp(join(tmpdir(), `fsto-${name}-cfg-`));
  const port = await freePort();
  await writeFile(
    join(cfgDir, 'config.yaml'),
    `fstests: ${FIXTURE}\nserver: { port: ${port}, uiPort: ${await freePort()} }\n`,
  );
  const env = {
    FSTO_STATE_DIR: stateDir,
    FSTO_CONFIG_DIR: cfgDir,
    FSTO_KVM_PROBE: 'skip',
    PATH: process.env.PATH!,
  };
  return { stateDir, cfgDir, port, env };
}

/**
 * What is left on the host under the state dir, asked of the system's own tools (not fsto's ledger):
 * loop devices backed by a file there, mounts there, processes naming it (the CLI, its worker and
 * dev server, a VM: all carry the state dir on their command line or in their files).
 */
export async function leftOnHost(stateDir: string) {
  const lines = async (argv: string[]) =>
    (await execa(argv[0]!, argv.slice(1), { reject: false })).stdout.split('\n').filter(Boolean);
  return {
    loops: (await lines(['losetup', '--list', '--noheadings', '--output', 'NAME,BACK-FILE'])).filter((l) =>
      l.includes(stateDir),
    ),
    mounts: (await lines(['findmnt', '--list', '--noheadings', '--output', 'TARGET'])).filter((l) =>
      l.startsWith(stateDir),
    ),
    processes: await lines(['pgrep', '-a', '-f', stateDir]),
  };
}
