import { mkdtemp, writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { canonicalStateDir } from '../../workers/host';
import { FIXTURE } from './fixture';

// What the CLI end-to-end tests run `./fsto` in: a private state dir, a config dir whose
// config.yaml names the fixture suite and free server ports (nothing shared with other users).

export const FSTO = fileURLToPath(new URL('../../fsto', import.meta.url));

export async function freePort(): Promise<number> {
  const s = createServer();
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', r));
  const port = (s.address() as { port: number }).port;
  await new Promise((r) => s.close(r));
  return port;
}

export async function cliSandbox(name: string): Promise<{ stateDir: string; cfgDir: string; port: number }> {
  const stateDir = await canonicalStateDir(await mkdtemp(join(tmpdir(), `fsto-${name}-state-`)));
  const cfgDir = await mkdtemp(join(tmpdir(), `fsto-${name}-cfg-`));
  const port = await freePort();
  await writeFile(
    join(cfgDir, 'config.yaml'),
    `fstests: ${FIXTURE}\nserver: { port: ${port}, uiPort: ${await freePort()} }\n`,
  );
  return { stateDir, cfgDir, port };
}
