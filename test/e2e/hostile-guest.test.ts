import { createHash } from 'node:crypto';
import { lstat, mkdtemp, readdir, readFile, readlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { RunSummary } from '../../common/schemas';
import type { fstestsRun } from '../../workflows';
import { uniqueId, useTestHost } from '../helpers/temporal';
import { fixtureSpec } from './fixture';
import { leftovers, NOTHING_LEFT } from './leaks';

const CANARIES = ['journal', 'listing', 'config', 'output', 'secret'];

/** sha256 of every canary file, by name. */
async function hashes(dir: string): Promise<Record<string, string>> {
  const out: Record<string, string> = {};
  for (const f of (await readdir(dir)).sort())
    out[f] = createHash('sha256')
      .update(await readFile(join(dir, f)))
      .digest('hex');
  return out;
}

/** Every regular file under dir (links not followed), with its text. */
async function filesUnder(dir: string): Promise<Map<string, string>> {
  const out = new Map<string, string>();
  for (const e of await readdir(dir, { withFileTypes: true })) {
    const p = join(dir, e.name);
    if (e.isDirectory()) for (const [k, v] of await filesUnder(p)) out.set(k, v);
    else if (e.isFile()) out.set(p, await readFile(p, 'latin1'));
  }
  return out;
}

// A real guest (TCG) runs tests/hostile/001: it replaces files the host writes and reads as root
// in the results share with symlinks to host canaries (real host symlinks: 9p, security_model=none).
// The oracle is the canaries themselves: hashed before and after, and the secret's bytes must not
// reach any file of the run dir; the links are where the guest left them.
describe('a guest that plants links to host files in its results share', () => {
  const t = useTestHost();

  it('makes the host write or copy through none of them', async () => {
    const canary = await mkdtemp(join(tmpdir(), 'fsto-canary-'));
    const secret = `fsto-canary-secret-${uniqueId('s')}`;
    for (const f of CANARIES) await writeFile(join(canary, f), f === 'secret' ? secret : `canary ${f}\n`);
    const before = await hashes(canary);

    const workflowId = uniqueId('e2e-hostile');
    const handle = await t.env.client.workflow.start<typeof fstestsRun>('fstestsRun', {
      taskQueue: t.host.workflowQueue,
      workflowId,
      args: [fixtureSpec(['hostile/001'], { vars: { HOSTILE_CANARY: canary } })],
    });
    const summary = RunSummary.parse(await handle.result());
    expect(summary.tests.map((x) => [x.name, x.verdict])).toEqual([['hostile/001', 'pass']]);

    // The guest did plant them (else this test proves nothing).
    const base = join(summary.resultsDir, 'main-1');
    expect(await readlink(join(summary.resultsDir, 'main-1.results.jsonl'))).toBe(join(canary, 'journal'));
    expect(await readlink(join(base, 'check.output'))).toBe(join(canary, 'output'));
    expect((await lstat(join(base, 'fsto', 'hostile', '001.full'))).isSymbolicLink()).toBe(true);

    expect(await hashes(canary)).toEqual(before);
    const runDir = join(t.host.stateDir, 'runs', workflowId);
    const leaked = [...(await filesUnder(runDir))]
      .filter(([, text]) => text.includes(secret))
      .map(([p]) => p);
    expect(leaked).toEqual([]);
    expect(await leftovers(t.host.stateDir, workflowId)).toEqual(NOTHING_LEFT);
  }, 900_000);
});
