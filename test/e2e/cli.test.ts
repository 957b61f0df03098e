import { mkdtemp, readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { execa } from 'execa';
import { describe, expect, inject, it } from 'vitest';
import { RunSummary } from '../../common/schemas';
import { useTestHost } from '../helpers/temporal';
import { FIXTURE } from './fixture';

const FSTO = fileURLToPath(new URL('../../fsto', import.meta.url));

// `fsto run` as people and CI scripts use it: JSON on stdout, JUnit to a file, exit codes.
describe('fsto run / results (CLI)', () => {
  const t = useTestHost();

  it('prints the summary as JSON, writes JUnit, and exits 1 when a test failed', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'fsto-cli-'));
    const address = ['--address', inject('temporalAddress'), '--task-queue', t.host.workflowQueue];
    const run = await execa(
      FSTO,
      [
        'run',
        ...address,
        '--fstests',
        FIXTURE,
        '--fs',
        'xfs',
        '--json',
        '--junit',
        join(dir, 'junit.xml'),
        'fixture/001',
        'fixture/004',
      ],
      { reject: false, env: { FSTO_LOG_LEVEL: 'ERROR' } },
    );
    expect(run.exitCode, run.stderr).toBe(1);
    const summary = RunSummary.parse(JSON.parse(run.stdout));
    expect(summary.status).toBe('failed');
    expect(summary.tests.map((t) => [t.name, t.verdict])).toEqual([
      ['fixture/001', 'pass'],
      ['fixture/004', 'fail'],
    ]);
    expect(summary.resultsDir).toMatch(/\/results$/);
    const junit = await readFile(join(dir, 'junit.xml'), 'utf8');
    expect(junit).toMatch(/<testcase[^>]*name="fixture\/004"[\s\S]*?<failure/);

    const results = await execa(FSTO, ['results', ...address.slice(0, 2), summary.workflowId, '--json'], {
      reject: false,
    });
    expect(results.exitCode).toBe(1);
    expect(RunSummary.parse(JSON.parse(results.stdout))).toEqual(summary);

    // Past Temporal's retention (here: the execution deleted), the host's results store answers.
    await t.env.client.workflowService.deleteWorkflowExecution({
      namespace: 'default',
      workflowExecution: { workflowId: summary.workflowId },
    });
    for (let i = 0; i < 60; i++) {
      const gone = await t.env.client.workflow
        .getHandle(summary.workflowId)
        .describe()
        .then(
          () => false,
          () => true,
        );
      if (gone) break;
      await new Promise((r) => setTimeout(r, 500));
    }
    const stored = await execa(FSTO, ['results', ...address.slice(0, 2), summary.workflowId, '--json'], {
      reject: false,
      env: { FSTO_STATE_DIR: t.host.stateDir },
    });
    expect(stored.exitCode, stored.stderr).toBe(1);
    const fromStore = RunSummary.parse(JSON.parse(stored.stdout));
    expect(fromStore.tests.map((x) => [x.name, x.verdict])).toEqual(
      summary.tests.map((x) => [x.name, x.verdict]),
    );
    expect(fromStore.resultsDir).toBe(summary.resultsDir);
  }, 600_000);

  it('refuses bad input with the field and the fix, exit 2, before starting anything', async () => {
    const r = await execa(
      FSTO,
      ['run', '--address', '127.0.0.1:1', '--fstests', FIXTURE, '--fs', 'XFS!', 'generic/1x;rm'],
      {
        reject: false,
      },
    );
    expect(r.exitCode).toBe(2);
    expect(r.stderr).toMatch(/fs: give a filesystem type/);
    expect(r.stderr).toMatch(/tests\.0: a test is named like generic\/001/);
  });
});
