import { randomBytes } from 'node:crypto';
import { pidsMentioning } from '../activities/vm/proc';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Client } from '@temporalio/client';
import { TestWorkflowEnvironment } from '@temporalio/testing';
import { bundleWorkflowCode } from '@temporalio/worker';
import { losetupListArgv, parseLosetupJson } from '../activities/devices/argv';
import { probeCapabilities } from '../activities/host/capabilities';
import { Ledger } from '../activities/ledger/ledger';
import { reap } from '../activities/ledger/reaper';
import { runOk } from '../activities/process';
import { temporalBin } from '../activities/settings';
import { ALL_SEARCH_ATTRIBUTES } from '../common/search-attributes';
import { canonicalStateDir } from '../workers/host';
import { hostReleasers } from '../workers/releasers';
import { installRuntime } from '../workers/runtime';
import { createWorkers, runWorkers, workflowsPath } from '../workers/workers';

// bench/sharding.ts's host: a Temporal dev server of its own (as test/setup/global.ts starts it)
// and the product's worker set in this process (as test/helpers/temporal.ts startTestHost), on a
// temporary state dir that holds every loop device, VM run dir and history file of the bench.

export interface BenchHost {
  client: Client;
  workflowQueue: string;
  stateDir: string;
  /** Stop workers and server; release whatever the ledger still holds; remove the state dir. */
  close(): Promise<string[]>;
}

const noop = () => undefined;
const quiet = { trace: noop, debug: noop, info: noop, log: noop, warn: console.warn, error: console.error };

export async function startBenchHost(vmSlots: number, name = 'sharding'): Promise<BenchHost> {
  installRuntime({ logLevel: 'WARN' });
  const stateDir = await canonicalStateDir(await mkdtemp(join(tmpdir(), `fsto-bench-${name}-`)));
  let env: TestWorkflowEnvironment | undefined;
  let running: Promise<void> | undefined;
  let stopWorkers = noop;
  let closed: Promise<string[]> | undefined;
  const close = () =>
    (closed ??= (async () => {
      stopWorkers();
      await running?.catch(noop);
      // The runs release their own devices and VMs; this only matters after an interruption.
      const ledger = new Ledger(join(stateDir, 'ledger'));
      const reaped = await reap(ledger, async () => false, hostReleasers({ stateDir }));
      const left = await leftovers(stateDir);
      if (reaped.released.length)
        left.push(`released late: ${reaped.released.map((e) => e.kind).join(', ')}`);
      for (const f of reaped.failed) left.push(`could not release ${f.entry.kind}: ${f.error}`);
      await env?.teardown();
      await rm(stateDir, { recursive: true, force: true });
      return left;
    })());
  try {
    env = await TestWorkflowEnvironment.createLocal({
      server: {
        executable: { type: 'existing-path', path: temporalBin() },
        ip: '127.0.0.1',
        searchAttributes: ALL_SEARCH_ATTRIBUTES,
        extraArgs: ['--log-level', 'error'],
      },
    });
    const bundle = await bundleWorkflowCode({ workflowsPath, logger: quiet });
    const codePath = join(stateDir, 'workflows.js');
    await writeFile(codePath, bundle.code);
    const hostId = `bench-${name}-${randomBytes(3).toString('hex')}`;
    const workflowQueue = `${hostId}-workflows`;
    const workers = await createWorkers({
      connection: env.nativeConnection,
      clientConnection: env.connection,
      // kvm false: these hosts have no usable KVM (the guests run under TCG).
      capabilities: await probeCapabilities({ hostId, kvm: false, vmSlots }),
      stateDir,
      workflowQueue,
      workflowBundle: { codePath },
      auditToStderr: false,
      shutdownGraceTimeMs: 10_000,
    });
    stopWorkers = () => {
      for (const w of workers) if (w.getState() === 'RUNNING') w.shutdown();
    };
    running = runWorkers(workers);
    return { client: env.client, workflowQueue, stateDir, close };
  } catch (err) {
    await close();
    throw err;
  }
}

/** Loop devices backed by files under the state dir and processes naming it (VMs). */
async function leftovers(stateDir: string): Promise<string[]> {
  const loops = parseLosetupJson(await runOk(losetupListArgv()))
    .filter((l) => l.backFile.startsWith(`${stateDir}/`))
    .map((l) => `loop ${l.name} (${l.backFile})`);
  const procs: string[] = [];
  for (const pid of await pidsMentioning(stateDir)) {
    const cmd = await readFile(`/proc/${pid}/cmdline`, 'latin1').catch(() => '');
    procs.push(`process ${pid}: ${cmd.replace(/\0/g, ' ').slice(0, 80)}`);
  }
  return [...loops, ...procs];
}
