import { createServer } from 'node:http';
import { mkdtemp, readdir, readFile, writeFile } from 'node:fs/promises';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { openResultsStore, resultsLocation } from '../../activities/results/store';
import { PRIORITY } from '../../common/priority';
import { hostKeyOf, type MatrixSummary } from '../../common/schemas';
import { FIXTURE } from '../e2e/fixture';
import { leftovers, NOTHING_LEFT } from '../e2e/leaks';
import { captureConsole } from '../helpers/console';
import { fstoSchedule } from '../helpers/schedule-cli';
import { connect, startTestHost, uniqueId, type TestContext } from '../helpers/temporal';

// The nightly as its users run it: a Temporal Schedule (made by `fsto schedule create`, the
// product's own code path) of a fixture matrix — 2 configs × 2 shards, a test that passes, one
// that writes a WARNING to the kernel log (fstests fails it), one that hangs (short timeout) —
// triggered twice. Real dev server, real worker set, real QEMU guests (TCG), real loop devices.
// Oracle: test/fixtures/fstests/tests/fixture/expected (hand-written verdicts, guest column).

const TESTS = ['fixture/001', 'fixture/006', 'fixture/008'];
const CONFIGS = ['a', 'b'];
const address = inject('temporalAddress');
captureConsole();

async function expected(): Promise<Record<string, string>> {
  const text = await readFile(join(FIXTURE, 'tests/fixture/expected'), 'utf8');
  const rows = text
    .split('\n')
    .filter((l) => /^\d/.test(l))
    .map((l) => l.split(/\s+/));
  return Object.fromEntries(rows.map(([n, guest]) => [`fixture/${n}`, guest!]));
}

/** VM boots of a shard: one console log per boot in its run dir. */
async function boots(stateDir: string, workflowId: string): Promise<number> {
  const files = await readdir(join(stateDir, 'runs', hostKeyOf(workflowId))).catch(() => []);
  return files.filter((f) => /^vm-.*\.console\.log$/.test(f)).length;
}

const fsto = (...args: string[]) => fstoSchedule(address, ...args);

describe('a Schedule of a fixture matrix, two nights', () => {
  const t = {} as TestContext;
  const hooks: Record<string, unknown>[] = [];
  const listener = createServer((req, res) => {
    let body = '';
    req.on('data', (c: Buffer) => (body += c.toString()));
    req.on('end', () => {
      hooks.push(JSON.parse(body) as Record<string, unknown>);
      res.writeHead(204).end();
    });
  });
  const name = uniqueId('nightly');
  beforeAll(async () => {
    t.env = await connect();
    // A slot per shard: both cells run at once (small guests: 1 vCPU each under TCG).
    t.host = await startTestHost(t.env.native, { vmSlots: 4 }, t.env.connection);
    await new Promise<void>((r) => listener.listen(0, '127.0.0.1', r));
  });
  afterAll(async () => {
    await t.env?.client.schedule
      .getHandle(name)
      .delete()
      .catch(() => undefined);
    await t.host?.stop();
    await t.env?.close();
    listener.close();
  });

  it('runs each night, every verdict once per config, stores and compares them, posts the webhook, leaves nothing', async () => {
    const oracle = await expected();
    const devices = {
      devices: [
        { name: 'test', size: '1G', envVar: 'TEST_DEV' },
        { name: 'scratch', size: '1G', envVar: 'SCRATCH_DEV' },
      ],
    };
    const spec = {
      fstests: FIXTURE,
      configs: CONFIGS.map((c) => ({ name: c, fs: 'xfs', devices })),
      tests: TESTS,
      shards: 2,
      hang: { floorSec: 30, factor: 5, defaultSec: 30 },
      vm: { cpus: 1, memoryMiB: 1024 },
      notify: { webhook: `http://127.0.0.1:${(listener.address() as AddressInfo).port}/night` },
    };
    const specPath = join(await mkdtemp(join(tmpdir(), 'fsto-nightly-')), 'nightly.json');
    await writeFile(specPath, JSON.stringify(spec));
    // A cron that does not fire during the test: the nights are triggered.
    expect(
      await fsto(
        'create',
        name,
        '--cron',
        '0 3 1 1 *',
        '--spec',
        specPath,
        '--task-queue',
        t.host.workflowQueue,
      ),
    ).toBe(0);
    const schedule = t.env.client.schedule.getHandle(name);
    const nights: MatrixSummary[] = [];
    const t0 = Date.now();
    const phase = (what: string) =>
      console.info(`[nightly] ${((Date.now() - t0) / 1000).toFixed(1)} s: ${what}`);
    for (let n = 0; n < 2; n++) {
      expect(await fsto('trigger', name)).toBe(0);
      phase(`night ${n + 1} triggered`);
      let id: string | undefined;
      for (let i = 0; i < 120 && !id; i++) {
        const d = await schedule.describe();
        id = d.info.recentActions.map((a) => a.action.workflow.workflowId).at(n);
        if (!id) await new Promise((r) => setTimeout(r, 250));
      }
      // The server names the night's matrix <workflowId>-<RFC 3339 time>: colons.
      expect(id).toMatch(new RegExp(`^fsto-matrix-${name}-\\d{4}-\\d\\d-\\d\\dT\\d\\d:\\d\\d:\\d\\dZ$`));
      const night = (await t.env.client.workflow.getHandle(id!).result()) as MatrixSummary;
      nights.push(night);
      const shards = night.runs.flatMap((r) => r.shards.map((x) => x.workflowId));
      // A night's claims queue behind a person's (common/priority.ts): its shards run at the
      // night's key, given to its cells by the matrix and inherited (read from the server).
      for (const w of shards) {
        const info = (await t.env.client.workflow.getHandle(w).describe()).raw.workflowExecutionInfo;
        expect(info?.priority?.priorityKey, w).toBe(PRIORITY.nightly.priorityKey);
      }
      const perShard = await Promise.all(shards.map((w) => boots(t.host.stateDir, w)));
      phase(`night ${n + 1} closed; VM boots per shard ${perShard.join(' ')}`);
      if (n === 0) await new Promise((r) => setTimeout(r, 1100)); // the next night is a later second
    }
    const [first, second] = nights as [MatrixSummary, MatrixSummary];

    const store = openResultsStore(resultsLocation(t.host.stateDir));
    for (const night of nights) {
      expect(night.errors).toBeUndefined();
      expect(night.runs.map((r) => [r.config, r.listed, r.tests])).toEqual(CONFIGS.map((c) => [c, 3, 3]));
      // Every test its expected verdict, exactly once per config, in the store.
      const rows = await store.matrixRows(night.workflowId);
      expect(rows.map((r) => `${r.config} ${r.test} ${r.verdict}`).sort()).toEqual(
        CONFIGS.flatMap((c) => TESTS.map((x) => `${c} ${x} ${oracle[x]}`)).sort(),
      );
      expect(rows.find((r) => r.test === 'fixture/008')?.reason ?? '').toMatch(/dmesg|WARNING/i);
      for (const shard of night.runs.flatMap((r) => r.shards)) {
        expect(await leftovers(t.host.stateDir, shard.workflowId)).toEqual(NOTHING_LEFT);
        // One guest per shard: the one whose guest hung in 006 boots no second VM only to hear
        // that its cell has nothing left (the other shard took 001 and 008 within 006's timeout).
        expect(await boots(t.host.stateDir, shard.workflowId), shard.workflowId).toBeLessThanOrEqual(1);
      }
    }
    expect(first.comparison).toBeUndefined(); // nothing before the first night of this schedule
    // The second night against the first: the same failures, nothing new.
    expect(second.comparison).toMatchObject({
      base: first.workflowId,
      outcome: 'unchanged',
      regressions: [],
    });
    expect(second.comparison!.stillFailing.map((x) => `${x.config} ${x.test}`).sort()).toEqual(
      CONFIGS.flatMap((c) => ['fixture/006', 'fixture/008'].map((x) => `${c} ${x}`)).sort(),
    );
    // The morning: one POST per night, the second naming the first as its baseline.
    expect(hooks.map((h) => [h.matrix, h.baseline])).toEqual([
      [first.workflowId, undefined],
      [second.workflowId, first.workflowId],
    ]);
    expect(hooks[1]).toMatchObject({ outcome: 'unchanged', regressions: [], report: second.report });
    expect(await readdir(join(t.host.stateDir, 'ledger')).catch(() => [])).toEqual([]);
  }, 1_200_000);
});
