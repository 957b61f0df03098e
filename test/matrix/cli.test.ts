import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Worker } from '@temporalio/worker';
import { Command } from 'commander';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { registerMatrixCommand } from '../../client/commands/matrix';
import { installRuntime } from '../../workers/runtime';
import { MatrixSummary } from '../../common/schemas';
import { connect, uniqueId } from '../helpers/temporal';
import { captureConsole } from '../helpers/console';

// `fsto matrix` through commander, in process, against the harness's real dev server. The
// workflow it starts is served by a real worker running a STAND-IN fstestsMatrix
// (fake-matrix-workflow.ts, with stand-in cells and shard runs): the real ones run VMs; this tests
// the CLI's side of the contract (validation first, the start, live progress per cell from the
// cells' and shards' queries, the summary and the exit code).

let env: Awaited<ReturnType<typeof connect>>;
let worker: Worker;
let running: Promise<void>;
let dir: string;
const { out, err } = captureConsole();
const taskQueue = uniqueId('fstests-matrix');

async function fsto(...args: string[]): Promise<number> {
  process.exitCode = undefined;
  const program = new Command('fsto').exitOverride();
  registerMatrixCommand(program);
  await program.parseAsync(['node', 'fsto', 'matrix', ...args]);
  const code = Number(process.exitCode ?? 0);
  process.exitCode = undefined;
  return code;
}
const spec = async (name: string, text: string) => {
  const p = join(dir, name);
  await writeFile(p, text);
  return p;
};

beforeAll(async () => {
  installRuntime({ logLevel: 'WARN' });
  env = await connect();
  dir = await mkdtemp(join(tmpdir(), 'fsto-matrix-'));
  worker = await Worker.create({
    connection: env.native,
    taskQueue,
    workflowsPath: fileURLToPath(new URL('./fake-matrix-workflow.ts', import.meta.url)),
  });
  running = worker.run();
}, 120_000);
afterAll(async () => {
  worker?.shutdown();
  await running;
  await env?.close();
});

describe('fsto matrix', () => {
  it('refuses a bad spec with field and fix before connecting to anything (exit 2)', async () => {
    const p = await spec(
      'bad.yaml',
      'fstests: /f\nconfigs:\n  - { name: xfs, fs: xfs }\n  - { name: xfs, fs: ext4 }\nkernel: /boot/k\n',
    );
    // Port 1: were the CLI to connect first, it would fail there instead of naming the fields.
    expect(await fsto('--spec', p, '--address', '127.0.0.1:1', '--task-queue', taskQueue)).toBe(2);
    const msg = err.join('\n');
    expect(msg).toContain(`${p}: invalid matrix spec`);
    expect(msg).toMatch(/^configs\.1\.name: "xfs" is also at \[0\]; give each config its own name$/m);
    expect(msg).toMatch(/^kernel: unknown field; did you mean "kernels"\?$/m);
  });

  it('starts fstestsMatrix with a readable id, shows progress per config × kernel, exits 0 when all passed', async () => {
    const p = await spec(
      'quick.yaml',
      'name: quick\nfstests: ../fstests\ngroups: [quick]\nconfigs:\n  - { name: xfs, fs: xfs }\n  - { name: ext4, fs: ext4 }\n',
    );
    expect(await fsto('--spec', p, '--address', inject('temporalAddress'), '--task-queue', taskQueue)).toBe(
      0,
    );
    const text = out.join('\n');
    const id = /^matrix (fsto-matrix-quick-\d{8}-\d{6}-[0-9a-f]{4}) started$/m.exec(text)?.[1];
    expect(id).toBeDefined();
    // Counted live from the running shard's `progress` query (the matrix itself knows no counts).
    expect(text).toMatch(/^ {2}xfs × host-newest\s+running\s+1\/2$/m);
    expect(text).toMatch(/^\[matrix\] [0-9]\/4 tests done$/m);
    expect(text).toMatch(new RegExp(`^matrix ${id}: PASSED$`, 'm'));
    const wf = await env.client.workflow.getHandle(id!).describe();
    expect(wf.type).toBe('fstestsMatrix');
    expect(wf.memo).toMatchObject({ specFile: p, matrixName: 'quick' });
  });

  it('exits 1 when a run failed, and --json prints the MatrixSummary on stdout', async () => {
    const p = await spec(
      'm.json',
      JSON.stringify({
        fstests: '/f',
        configs: [
          { name: 'good', fs: 'xfs' },
          { name: 'bad', fs: 'xfs' },
        ],
      }),
    );
    expect(
      await fsto('--spec', p, '--json', '--address', inject('temporalAddress'), '--task-queue', taskQueue),
    ).toBe(1);
    const summary = MatrixSummary.parse(JSON.parse(out.join('\n')));
    expect(summary.status).toBe('failed');
    expect(summary.workflowId).toMatch(/^fsto-matrix-m-/); // named after the file when the spec has no name
    expect(summary.runs.map((r) => `${r.config}:${r.status}`)).toEqual(['good:passed', 'bad:failed']);
    expect(summary.runs[1]!.failing).toEqual([
      expect.objectContaining({ name: 'generic/002', verdict: 'fail', signature: 'output mismatch' }),
    ]);
    expect(err.join('\n')).toMatch(/started/); // progress goes to stderr with --json
  });
});
