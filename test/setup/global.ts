import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { TestWorkflowEnvironment } from '@temporalio/testing';
import { devServerDynamicConfigArgs } from '../../client/server/dev-server-argv';
import { bundleWorkflowCode } from '@temporalio/worker';
import type { TestProject } from 'vitest/node';
import { ALL_SEARCH_ATTRIBUTES } from '../../common/search-attributes';
import { runOk } from '../../activities/process';
import { temporalBin } from '../../activities/settings';
import { workflowsPath } from '../../workers/workers';

declare module 'vitest' {
  export interface ProvidedContext {
    temporalAddress: string;
    workflowBundlePath: string;
  }
}

// ONE real Temporal dev server (the Temporal CLI built by scripts/setup-host.sh) and ONE
// workflow bundle for the whole test run; test files connect to both.
export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const bin = temporalBin();
  const cliVersion = await runOk([bin, '--version']).catch((err: Error) => {
    throw new Error(`${err.message}\nThe tests need the Temporal CLI at ${bin}: run scripts/setup-host.sh`);
  });
  const env = await TestWorkflowEnvironment.createLocal({
    server: {
      executable: { type: 'existing-path', path: bin },
      ip: '127.0.0.1',
      searchAttributes: ALL_SEARCH_ATTRIBUTES,
      // The embedded server's dynamic config (task queue priority), as fsto starts it.
      extraArgs: [...devServerDynamicConfigArgs(), '--log-level', 'error'],
    },
  });
  const info = await env.connection.workflowService.getSystemInfo({});
  console.log(
    `[harness] real Temporal dev server at ${env.address}: ${cliVersion.trim()}; server reports ${info.serverVersion}`,
  );

  const dir = await mkdtemp(join(tmpdir(), 'fsto-bundle-'));
  const bundle = await bundleWorkflowCode({ workflowsPath, logger: quietLogger });
  const workflowBundlePath = join(dir, 'workflows.js');
  await writeFile(workflowBundlePath, bundle.code);

  project.provide('temporalAddress', env.address);
  project.provide('workflowBundlePath', workflowBundlePath);
  return async () => {
    await env.teardown();
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
