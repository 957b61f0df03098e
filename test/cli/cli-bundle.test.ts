import { mkdir, mkdtemp, readFile, readdir, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { execa } from 'execa';
import { afterAll, describe, expect, it } from 'vitest';
import { BUNDLED, buildCli, CLI_SOURCE_DIRS } from '../../client/core/cli-bundle';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
// Inside the checkout, as the fsto script puts it: packages resolve from its node_modules.
const scratch = async () => {
  await mkdir(join(ROOT, 'node_modules/.cache'), { recursive: true });
  return mkdtemp(join(ROOT, 'node_modules/.cache/fsto-cli-test-'));
};
const TSX = ['--import', join(ROOT, 'node_modules/tsx/dist/loader.mjs'), join(ROOT, 'client/main.ts')];

// The `fsto` script runs the CLI bundled (client/core/cli-bundle.ts), keyed by a hash of the sources it
// names: a source outside them would leave a stale bundle running after an edit.
describe('the CLI bundle', () => {
  const made: string[] = [];
  afterAll(() => Promise.all(made.map((d) => rm(d, { recursive: true, force: true }))));
  it("takes nothing of ours from outside the directories the fsto script hashes (esbuild's own inputs)", async () => {
    const dir = await scratch();
    made.push(dir);
    const meta = await buildCli(join(dir, 'b'));
    const script = await readFile(join(ROOT, 'fsto'), 'utf8');
    const hashed = /find ((?:\w+ )+)-name '\*\.ts'/.exec(script)?.[1]?.trim().split(' ');
    expect(hashed).toEqual([...CLI_SOURCE_DIRS]);
    const ours = Object.keys(meta.inputs).filter((f) => !f.startsWith('node_modules/'));
    expect(ours.length).toBeGreaterThan(50);
    expect(ours.filter((f) => !hashed!.some((d) => f.startsWith(`${d}/`)) || !f.endsWith('.ts'))).toEqual([]);
    // Packages bundled in are the ones named, and their versions are in the key (package-lock.json).
    const packages = new Set(
      Object.keys(meta.inputs)
        .filter((f) => f.startsWith('node_modules/'))
        .map((f) => /^node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(f)![1]!),
    );
    expect([...packages].sort()).toEqual([...BUNDLED].sort());
    expect(script).toMatch(/sha256sum package-lock\.json/);
    // Every import.meta.url became its source file's own URL (paths beside it still resolve).
    for (const f of await readdir(join(dir, 'b')))
      expect(await readFile(join(dir, 'b', f), 'utf8')).not.toContain('import.meta');
  }, 60_000);

  it('answers as the sources run by tsx do, for every command', async () => {
    const dir = await scratch();
    made.push(dir);
    await buildCli(join(dir, 'b'));
    const env = { FSTO_CONFIG_DIR: dir, FSTO_STATE_DIR: dir, PATH: process.env.PATH! };
    const both = async (args: string[]) => {
      const [a, b] = await Promise.all([
        execa('node', [join(dir, 'b', 'main.js'), ...args], { env, reject: false, all: true }),
        execa('node', [...TSX, ...args], { env, reject: false, all: true }),
      ]);
      expect([a.exitCode, a.all], args.join(' ')).toEqual([b.exitCode, b.all]);
      return a.all;
    };
    const help = await both(['--help']);
    const commands = [...help.matchAll(/^ {2}(\w+)/gm)].map((m) => m[1]!).filter((c) => c !== 'help');
    expect(commands).toContain('run');
    for (const c of commands) await both([c, '--help']);
    expect(await both(['configs'])).toMatch(/xfs\/4k/);
    // ~25 commands, each started twice (bundle and tsx): ~40 s on a quiet host, 120 s was not
    // enough at load 10 (a fresh-clone CI beside a kernel build and TCG guests).
  }, 360_000);
});
