import { inject } from 'vitest';
import { startScriptedHostAt, type Batch, type ScriptedHost } from '../../kit/scripted-core';

export * from '../../kit/scripted-core';

/** A scripted host on the harness's dev server and workflow bundle (see kit/scripted-core.ts). */
export function startScriptedHost(
  runTestBatch: Batch,
  o: Partial<Parameters<typeof startScriptedHostAt>[1]> = {},
): Promise<ScriptedHost> {
  return startScriptedHostAt(runTestBatch, {
    ...o,
    address: o.address ?? inject('temporalAddress'),
    bundlePath: o.bundlePath ?? inject('workflowBundlePath'),
  });
}
