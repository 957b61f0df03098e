import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ApplicationFailure } from '@temporalio/common';
import { Command } from 'commander';
import { afterEach, beforeAll, describe, expect, inject, it } from 'vitest';
import { registerMatrixCommand } from '../../client/commands/matrix';
import { registerRunsCommands } from '../../client/commands/runs';
import { INVALID_SPEC } from '../../common/errors';
import { MatrixSummary } from '../../common/schemas';
import { installRuntime } from '../../workers/runtime';
import { captureConsole } from '../helpers/console';
import { scriptedBatch, startScriptedHost, type Script, type ScriptedHost } from '../helpers/scripted-host';

// `fsto matrix` through commander, in process, against the harness's real dev server and the
// REAL fstestsMatrix, fstestsCell and fstestsRun (the harness's workflow bundle) on a scripted
// host (test/helpers/scripted-host.ts): the shards' batches are the product's pull loop with the
// guest's `check` played by a script, so no VM boots. The oracle is the script: what the guest
// lists and which test it fails on which filesystem; the CLI's lines are checked against it.

let dir: string;
let host: ScriptedHost | undefined;
const { out, err } = captureConsole();
const LISTING = ['generic/001', 'generic/002', 'generic/003', 'generic/004', 'generic/005'];

async function fsto(...args: string[]): Promise<number> {
  return fstoCommand('matrix', ...args);
}
async function fstoCommand(command: string, ...args: string[]): Promise<number> {
  process.exitCode = undefined;
  const program = new Command('fsto').exitOverride();
  registerMatrixCommand(program);
  registerRunsCommands(program);
  await program.parseAsync(['node', 'fsto', command, ...args]);
  const code = Number(process.exitCode ?? 0);
  process.exitCode = undefined;
  return code;
}
const spec = async (name: string, text: string) => {
  const p = join(dir, name);
  await writeFile(p, text);
  return p;
};

/** Resolves once `ok()` holds (polled; the CLI prints as it goes). */
function until(ok: () => boolean): Promise<void> {
  return new Promise((resolve) => {
    const poll = setInterval(() => ok() && (clearInterval(poll), resolve()), 100);
  });
}
const row = (cell: string, state: string) => new RegExp(`^ {2}${cell} × host-newest\\s+${state}$`);

/**
 * A scripted host whose guests list only once `fsto matrix` has shown every cell running with no
 * total yet (a sharded cell's total stays 0 until one of its shards lists), and start a cell's
 * tests only once it has shown that cell's listed total (the specs below shard each cell in two:
 * a one-shard cell runs its shard without pulls and learns no total before it ends). `cells` maps each config's fs to its name; `lines`
 * is where the CLI prints its progress.
 */
async function heldHost(cells: Record<string, string>, lines: string[], behave?: Script['behave']) {
  const shown = (cell: string, state: string) => lines.some((l) => row(cell, state).test(l));
  const guest = scriptedBatch({
    listing: LISTING,
    listingGate: until(() => Object.values(cells).every((c) => shown(c, 'running\\s+0/0'))),
    beforeTest: (_t, b) => until(() => shown(cells[b.fs]!, `running\\s+\\d+/${LISTING.length}`)),
    ...(behave ? { behave } : {}),
  });
  host = await startScriptedHost(guest.run);
  return { queue: host.workflowQueue, guest };
}

/** The progress rows the CLI printed for one cell, in order. */
const rows = (lines: string[], cell: string) =>
  lines.filter((l) => l.startsWith(`  ${cell} × host-newest `)).map((l) => l.trim().split(/\s+/).slice(-2));

beforeAll(async () => {
  installRuntime({ logLevel: 'WARN' });
  dir = await mkdtemp(join(tmpdir(), 'fsto-matrix-'));
});
afterEach(async () => {
  await host?.stop();
  host = undefined;
});

describe('fsto matrix', () => {
  it('refuses a bad spec with field and fix before connecting to anything (exit 2)', async () => {
    const p = await spec(
      'bad.yaml',
      'fstests: /f\nconfigs:\n  - { name: xfs, fs: xfs }\n  - { name: xfs, fs: ext4 }\nkernel: /boot/k\n',
    );
    // Port 1: were the CLI to connect first, it would fail there instead of naming the fields.
    expect(await fsto('--spec', p, '--address', '127.0.0.1:1', '--task-queue', 'nowhere')).toBe(2);
    const msg = err.join('\n');
    expect(msg).toContain(`${p}: invalid matrix spec`);
    expect(msg).toMatch(/^configs\.1\.name: "xfs" is also at \[0\]; give each config its own name$/m);
    expect(msg).toMatch(/^kernel: unknown field; did you mean "kernels"\?$/m);
  });

  it('starts fstestsMatrix, shows each cell from no total to its listing, exits 0 when all passed', async () => {
    const h = await heldHost({ xfs: 'xfs', ext4: 'ext4' }, out);
    const p = await spec(
      'quick.yaml',
      'name: quick\nfstests: ../fstests\ngroups: [quick]\nshards: 2\nconfigs:\n  - { name: xfs, fs: xfs }\n  - { name: ext4, fs: ext4 }\n',
    );
    const code = await fsto('--spec', p, '--address', inject('temporalAddress'), '--task-queue', h.queue);
    expect(code).toBe(0);
    const text = out.join('\n');
    const id = /^matrix (fsto-matrix-quick-\d{8}-\d{6}-[0-9a-f]{4}) started$/m.exec(text)?.[1];
    expect(id).toBeDefined();
    const n = LISTING.length;
    for (const cell of ['xfs', 'ext4']) {
      const seen = rows(out, cell);
      // Running without a total until its shard listed (the gate held the listing for this)…
      expect(seen).toContainEqual(['running', '0/0']);
      // …then the listing's size, from the cell's own `cellProgress` (the matrix knows no counts
      // until a cell ends), and every listed test settled at the end.
      const listed = seen.findIndex(([s, c]) => s === 'running' && c!.endsWith(`/${n}`));
      expect(listed).toBeGreaterThan(seen.findIndex(([, c]) => c === '0/0'));
      expect(text).toMatch(
        new RegExp(`^ {2}${cell} × host-newest\\s+PASSED\\s+${n}/${n} tests \\(${n} pass\\)$`, 'm'),
      );
    }
    expect(text).toMatch(new RegExp(`^\\[matrix\\] \\d+/${2 * n} tests done$`, 'm'));
    expect(text).toMatch(new RegExp(`^matrix ${id}: PASSED$`, 'm'));
    // Every listed test ran once per cell in a guest.
    expect([...h.guest.runs].sort()).toEqual(LISTING.map((t) => [t, 2]));
    const wf = await host!.client.workflow.getHandle(id!).describe();
    expect(wf.type).toBe('fstestsMatrix');
    expect(wf.memo).toMatchObject({ specFile: p, matrixName: 'quick' });
    // `fsto watch` on the matrix's id follows it as `fsto matrix` does (closed: its summary at once).
    // It took every id for a run's ("failed (infrastructure): tests is not iterable", exit 3).
    const before = out.length;
    expect(await fstoCommand('watch', id!, '--address', inject('temporalAddress'))).toBe(0);
    const watched = out.slice(before).join('\n');
    expect(watched).toMatch(new RegExp(`^matrix ${id}: PASSED$`, 'm'));
    expect(watched).toMatch(new RegExp(`^ {2}ext4 × host-newest\\s+PASSED\\s+${n}/${n} tests`, 'm'));
  }, 180_000);

  it('exits 1 when a run failed, and --json prints the MatrixSummary on stdout', async () => {
    // The guest fails generic/002 on ext4 only.
    const h = await heldHost({ xfs: 'good', ext4: 'bad' }, err, (t, _n, b) =>
      t === 'generic/002' && b.fs === 'ext4' ? 'fail' : 'pass',
    );
    const p = await spec(
      'm.json',
      JSON.stringify({
        fstests: '/f',
        shards: 2,
        configs: [
          { name: 'good', fs: 'xfs' },
          { name: 'bad', fs: 'ext4' },
        ],
      }),
    );
    const code = await fsto(
      '--spec',
      p,
      '--json',
      '--address',
      inject('temporalAddress'),
      '--task-queue',
      h.queue,
    );
    expect(code).toBe(1);
    const summary = MatrixSummary.parse(JSON.parse(out.join('\n')));
    expect(summary.status).toBe('failed');
    expect(summary.workflowId).toMatch(/^fsto-matrix-m-/); // named after the file when the spec has no name
    expect(summary.runs.map((r) => [r.config, r.status, r.listed, r.counts])).toEqual([
      ['good', 'passed', 5, { pass: 5 }],
      ['bad', 'failed', 5, { pass: 4, fail: 1 }],
    ]);
    expect(summary.runs[1]!.failing).toEqual([
      expect.objectContaining({ name: 'generic/002', verdict: 'fail' }),
    ]);
    expect(err.join('\n')).toMatch(/started/); // progress goes to stderr with --json
  }, 180_000);

  it('exits 2, as `fsto run` does, when the host refuses every cell as bad input', async () => {
    // The host's answer to a tree without `check` (activities/fstests): InvalidSpec, not retried.
    host = await startScriptedHost(() => {
      throw ApplicationFailure.create({
        type: INVALID_SPEC,
        nonRetryable: true,
        message: 'fstests: /f/check is missing or not executable',
      });
    });
    const p = await spec('nocheck.yaml', 'fstests: /f\nshards: 2\nconfigs:\n  - { name: xfs, fs: xfs }\n');
    const code = await fsto(
      '--spec',
      p,
      '--address',
      inject('temporalAddress'),
      '--task-queue',
      host.workflowQueue,
    );
    expect(code).toBe(2);
    expect(err.join('\n') + out.join('\n')).toMatch(/ERROR .*\n.*check is missing or not executable/);
  }, 180_000);
});
