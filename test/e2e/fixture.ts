import { fileURLToPath } from 'node:url';
import { mkdir, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import { historyToJSON } from '@temporalio/common/lib/proto-utils';
import type { WorkflowHandle } from '@temporalio/client';
import { progressQuery } from '../../common/queries';
import type { RunSpecInput } from '../../common/schemas';
import { historyFileName } from '../replay/histories';

export const FIXTURE = fileURLToPath(new URL('../fixtures/fstests', import.meta.url));

/** Two small loop devices (TEST_DEV, SCRATCH_DEV): the fixture suite needs no more. */
export const SMALL_DEVICES = {
  devices: [
    { name: 'test', size: '1G', envVar: 'TEST_DEV' },
    { name: 'scratch', size: '1G', envVar: 'SCRATCH_DEV' },
  ],
};

/** A run of the fixture suite on two small loop devices; hang timeouts short enough for a test. */
export function fixtureSpec(tests: string[], over: Partial<RunSpecInput> = {}): RunSpecInput {
  return {
    fstests: FIXTURE,
    fs: 'xfs',
    tests,
    devices: {
      devices: [
        { name: 'test', size: '1G', envVar: 'TEST_DEV' },
        { name: 'scratch', size: '1G', envVar: 'SCRATCH_DEV' },
      ],
    },
    hang: { floorSec: 30, factor: 5, defaultSec: 30 },
    ...over,
  };
}

/**
 * With FSTO_RECORD_HISTORIES=1, keep the run's history for the replay tests
 * (test/replay/histories/<name>--<workflowId>.json): `FSTO_RECORD_HISTORIES=1 npx vitest run test/e2e`.
 */
export async function maybeRecord(handle: WorkflowHandle, name: string): Promise<void> {
  if (process.env.FSTO_RECORD_HISTORIES !== '1') return;
  const out = fileURLToPath(
    new URL(`../replay/histories/${historyFileName(name, handle.workflowId)}`, import.meta.url),
  );
  await mkdir(dirname(out), { recursive: true });
  await writeFile(out, historyToJSON(await handle.fetchHistory()));
}

/** Wait until a run reports at least `done` finished tests (its progress query). */
export async function untilDone(handle: WorkflowHandle, done: number, timeoutMs = 300_000): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (((await handle.query(progressQuery).catch(() => undefined))?.done ?? 0) < done) {
    if (Date.now() > end) throw new Error(`fewer than ${done} tests finished within ${timeoutMs / 1000} s`);
    await new Promise((r) => setTimeout(r, 500));
  }
}
