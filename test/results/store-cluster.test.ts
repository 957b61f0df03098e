import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createResultsActivities } from '../../activities/results/activities';
import { run } from '../../activities/process';
import type { RunSummary, Verdict } from '../../common/schemas';
import { pgInstalled, throwawayDb } from '../../kit/pg-db';

// One results store for a cluster: two hosts (own state dirs) record the shards of one matrix
// with the product's recordRunResults step into one PostgreSQL database; a third place, with
// neither host's files, asks `fsto runs/compare/report --results-url` and sees all of it.
// Real PostgreSQL (this host's Debian server, a throwaway database).
describe.skipIf(!pgInstalled)('a matrix spread over hosts, one PostgreSQL results store', () => {
  let dir: string;
  let db: Awaited<ReturnType<typeof throwawayDb>>;
  const tsx = join(process.cwd(), 'node_modules/.bin/tsx');
  const cli = join(import.meta.dirname, 'fsto-results.ts');
  const fsto = (...args: string[]) =>
    run([tsx, cli, ...args, '--results-url', db.url], { env: { FSTO_STATE_DIR: join(dir, 'elsewhere') } });
  const shard = (host: string, id: string, v: Record<string, Verdict>): RunSummary => ({
    workflowId: id,
    status: Object.values(v).includes('fail') ? 'failed' : 'passed',
    resultsDir: join(dir, host, 'runs', id, 'results'),
    hostId: host,
    kernelRelease: '6.1.0',
    tests: Object.entries(v).map(([name, verdict]) => ({ name, verdict, durationSec: 3 })),
  });

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'fsto-store-cluster-'));
    db = await throwawayDb();
    const hostA = createResultsActivities({ storePath: db.url });
    const hostB = createResultsActivities({ storePath: db.url });
    const night = async (n: number, b002: Verdict) => {
      const meta = (host: string) => ({
        fsConfig: 'xfs',
        host,
        matrixId: `night-${n}`,
        finishedAt: `2025-02-0${n}T02:00:00.000Z`,
      });
      await Promise.all([
        hostA.recordRunResults({
          summary: shard('host-a', `n${n}.s0`, { 'generic/001': 'pass', 'generic/003': 'pass' }),
          meta: meta('host-a'),
        }),
        hostB.recordRunResults({
          summary: shard('host-b', `n${n}.s1`, { 'generic/002': b002, 'generic/004': 'notrun' }),
          meta: meta('host-b'),
        }),
      ]);
    };
    await night(1, 'pass');
    await night(2, 'fail');
  });
  afterAll(async () => {
    await db?.drop();
    await rm(dir, { recursive: true, force: true });
  });

  it('runs, compare and report from a third place cover both hosts', async () => {
    const runs = JSON.parse((await fsto('runs', '--json')).stdout) as { workflowId: string; host: string }[];
    expect(runs.map((r) => `${r.workflowId}@${r.host}`).sort()).toEqual([
      'n1.s0@host-a',
      'n1.s1@host-b',
      'n2.s0@host-a',
      'n2.s1@host-b',
    ]);
    const cmp = await fsto('compare', 'night-1', 'night-2', '--json');
    const c = JSON.parse(cmp.stdout) as { regressions: { test: string }[]; outcome: string };
    expect([c.outcome, c.regressions.map((t) => t.test)]).toEqual(['regressed', ['generic/002']]);
    expect(cmp.exitCode).toBe(1);

    const out = join(dir, 'night-2.html');
    const rep = await fsto('report', 'night-2', '--out', out);
    expect(rep.exitCode, rep.stderr).toBe(0);
    const html = await readFile(out, 'utf8');
    for (const t of ['generic/001', 'generic/002', 'generic/003', 'generic/004']) expect(html).toContain(t);
    expect(rep.stdout + rep.stderr).not.toContain(db.url.split(':')[2]!.split('@')[0]!); // no password
  });
});
