import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Connection } from '@temporalio/client';
import { bundleWorkflowCode } from '@temporalio/worker';
import type { TestProject } from 'vitest/node';
import { runOk } from '../../activities/process';
import { temporalServerDir } from '../../activities/settings';
import { ensureDevServer, freePort } from '../../client/server/dev-server';
import { workflowsPath } from '../../workers/workers';

declare module 'vitest' {
  export interface ProvidedContext {
    temporalAddress: string;
    workflowBundlePath: string;
  }
}

// ONE real Temporal server, started as fsto starts its embedded default (the server binary on
// SQLite that scripts/setup-host.sh builds; ensureDevServer), and ONE workflow bundle for the
// whole test run; test files connect to both.
export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const bin = join(temporalServerDir(), 'server');
  const version = await runOk([bin, '--version']).catch((err: Error) => {
    throw new Error(
      `${err.message}\nThe tests need the Temporal server at ${bin}: run scripts/setup-host.sh`,
    );
  });
  const serverDir = await mkdtemp(join(tmpdir(), 'fsto-harness-server-'));
  const server = await ensureDevServer({ port: await freePort(), dir: serverDir, headless: true });
  const conn = await Connection.connect({ address: server.address });
  const info = await conn.workflowService.getSystemInfo({});
  await conn.close();
  console.log(
    `[harness] real Temporal server at ${server.address}: ${version.trim()}; server reports ${info.serverVersion} (log ${serverDir}/temporal-server.log)`,
  );

  const dir = await mkdtemp(join(tmpdir(), 'fsto-bundle-'));
  const bundle = await bundleWorkflowCode({ workflowsPath, logger: quietLogger });
  const workflowBundlePath = join(dir, 'workflows.js');
  await writeFile(workflowBundlePath, bundle.code);

  project.provide('temporalAddress', server.address);
  project.provide('workflowBundlePath', workflowBundlePath);
  return async () => {
    await server.stop();
  };
}

const noop = () => undefined;
const quietLogger = {
  trace: noop,
  debug: noop,
  info: noop,
  warn: console.warn,
  error: console.error,
  log: noop,
};
