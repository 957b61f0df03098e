import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Context } from '@temporalio/activity';
import { TestWorkflowEnvironment } from '@temporalio/testing';
import { bundleWorkflowCode } from '@temporalio/worker';
import { temporalBin } from '../activities/settings';
import type { MatrixSpecInput } from '../common/schemas';
import { ALL_SEARCH_ATTRIBUTES } from '../common/search-attributes';
import { scriptedBatch, startScriptedHostAt } from '../kit/scripted-core';
import type { fstestsMatrix } from '../workflows';
import { installRuntime } from '../workers/runtime';
import { workflowsPath } from '../workers/workers';
import { executionSizes, verdictsByConfig } from './scale-histories';

// bench/scale.ts at shard counts no machine here can boot (8 and 16 shards per cell: 16–48 TCG
// guests): the REAL matrix, cell and run workflows and the product's own pull loop (runPulled,
// workAhead: real Updates and Queries to the real cell) on a real dev server; the guest's
// `check` is a STAND-IN script (kit/scripted-core.ts): every test passes after
// --test-ms, one test takes --tail seconds (the other shards wait it out), --crashes tests kill
// their guest once. Prints, per run, the largest Update count and event count of any execution
// (Temporal: 2,000 Updates; this project's bound 10,000 events), to show they do not grow with
// the tail. Run: npx tsx bench/scale-scripted.ts [--shards 8,16] [--tails 2,60] [--tests 400]
//   [--crashes 4] [--test-ms 20]

const arg = (name: string, dflt: string) => {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? process.argv[i + 1]! : dflt;
};
const list = (s: string) => s.split(',').map(Number);
const SHARDS = list(arg('shards', '8,16'));
const TAILS = list(arg('tails', '2,60'));
const N = Number(arg('tests', '400'));
const CRASHES = Number(arg('crashes', '4'));
const TEST_MS = Number(arg('test-ms', '20'));
for (const [k, v] of Object.entries({ shards: SHARDS, tails: TAILS, tests: [N], crashes: [CRASHES] }))
  if (v.some((x) => !Number.isInteger(x) || x < 0))
    throw new Error(`--${k}: give whole numbers ≥ 0 (comma-separated for shards, tails)`);
if (SHARDS.some((k) => k < 2 || k > 16)) throw new Error('--shards: each 2..16 (the schema allows 16)');
const MAX_UPDATES = 2000;
const MAX_EVENTS = 10_000;

const noop = () => undefined;
installRuntime({ logLevel: 'WARN' });
const dir = await mkdtemp(join(tmpdir(), 'fsto-scale-scripted-'));
const env = await TestWorkflowEnvironment.createLocal({
  server: {
    executable: { type: 'existing-path', path: temporalBin() },
    ip: '127.0.0.1',
    searchAttributes: ALL_SEARCH_ATTRIBUTES,
    extraArgs: ['--log-level', 'error'],
  },
});
const bundlePath = join(dir, 'workflows.js');
const quiet = { trace: noop, debug: noop, info: noop, log: noop, warn: noop, error: console.error };
await writeFile(bundlePath, (await bundleWorkflowCode({ workflowsPath, logger: quiet })).code);
const address = env.connection.options.address;
const tests = Array.from({ length: N }, (_, i) => `gen/${String(i + 1).padStart(4, '0')}`);
const crashing = new Set(tests.filter((_, i) => CRASHES > 0 && i % Math.ceil(N / CRASHES) === 5));
const TAIL_TEST = tests[0]!; // the longest, so handed out first

let failed = false;
console.log(
  `fsto scale bench (scripted guests): 1 config × ${N} tests, ${crashing.size} guest deaths, test ${TEST_MS} ms; real workflows, dev server, pull loop`,
);
console.log(
  'shards  tail s   wall s  hand-outs  max Updates (execution)      max events (execution)   verdicts',
);
try {
  for (const K of SHARDS)
    for (const tail of TAILS) {
      const guest = scriptedBatch({
        listing: tests,
        expectedSec: { [TAIL_TEST]: tail },
        peek: true,
        behave: (t, n) => (crashing.has(t) && n === 1 ? 'crash' : 'pass'),
        beforeTest: async (t) => {
          const ms = t === TAIL_TEST ? tail * 1000 : TEST_MS;
          for (const end = Date.now() + ms; Date.now() < end; ) {
            Context.current().heartbeat();
            await new Promise((r) => setTimeout(r, Math.min(500, ms)));
          }
        },
      });
      const host = await startScriptedHostAt(guest.run, { address, bundlePath });
      try {
        const spec: MatrixSpecInput = {
          fstests: '/f',
          configs: [{ name: 'xfs', fs: 'xfs' }],
          tests,
          shards: K,
        };
        const t0 = performance.now();
        const summary = await host.client.workflow.execute<typeof fstestsMatrix>('fstestsMatrix', {
          taskQueue: host.workflowQueue,
          workflowId: `scale-scripted-k${K}-tail${tail}-${Date.now()}`,
          args: [spec],
        });
        const wall = (performance.now() - t0) / 1000;
        const sizes = await executionSizes(host.client, summary);
        const top = (key: 'updates' | 'events') => sizes.reduce((a, b) => (b[key] > a[key] ? b : a));
        const byTest =
          (await verdictsByConfig(host.client, summary)).get('xfs') ?? new Map<string, string[]>();
        const once = tests.every((t) => byTest.get(t)?.length === 1) && byTest.size === N;
        const [u, e] = [top('updates'), top('events')];
        const short = (id: string) => id.replace(/^scale-scripted-/, '').replace(/-\d+(\.|$)/, '$1');
        console.log(
          `${String(K).padStart(6)} ${String(tail).padStart(7)} ${wall.toFixed(0).padStart(8)} ${String(summary.runs[0]?.handOuts ?? 0).padStart(10)}  ${String(u.updates).padStart(5)} (${short(u.workflowId)})`.padEnd(
            70,
          ) +
            `${String(e.events).padStart(6)} (${short(e.workflowId)})`.padEnd(25) +
            ` ${once ? 'each once' : 'WRONG'}`,
        );
        if (!once || u.updates > MAX_UPDATES || e.events > MAX_EVENTS) failed = true;
      } finally {
        await host.stop();
      }
    }
} catch (err) {
  failed = true;
  console.error(err);
} finally {
  await env.teardown();
  await rm(dir, { recursive: true, force: true });
}
console.log(
  failed
    ? 'FAILED: a bound was exceeded or a verdict was wrong'
    : `within ${MAX_UPDATES} Updates and ${MAX_EVENTS} events per execution`,
);
process.exit(failed ? 1 : 0);
