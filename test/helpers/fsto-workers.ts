import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { execa, type ResultPromise } from 'execa';
import { afterAll, beforeAll, inject } from 'vitest';
import { canonicalStateDir } from '../../workers/host';
import { connect, uniqueId } from './temporal';

const FSTO = fileURLToPath(new URL('../../fsto', import.meta.url));

/**
 * Real `fsto worker` processes (so one can really be SIGKILLed) on one task queue, one host id
 * and one state dir of their own, on the harness's dev server (`args`: more flags, e.g.
 * `--vm-slots 2`); registers the describe's
 * beforeAll (connect, state dir) and afterAll (every worker stopped, the connection closed).
 */
export function fstoWorkers(name: string, args: readonly string[] = []) {
  const w = {
    queue: uniqueId(`fstests-${name}`),
    hostId: uniqueId(`${name}-host`),
    stateDir: '',
    env: undefined as unknown as Awaited<ReturnType<typeof connect>>,
    started: [] as ResultPromise[],
    /** Start one more worker; awaited (stopped) in afterAll. */
    start(): ResultPromise {
      const p = execa(
        FSTO,
        ['worker', '--address', inject('temporalAddress'), '--task-queue', w.queue, ...args],
        {
          env: {
            FSTO_STATE_DIR: w.stateDir,
            FSTO_HOST_ID: w.hostId,
            FSTO_KVM_PROBE: 'skip',
            FSTO_LOG_LEVEL: 'WARN',
          },
          reject: false,
          stdio: 'ignore',
        },
      );
      w.started.push(p);
      return p;
    },
  };
  beforeAll(async () => {
    w.env = await connect();
    w.stateDir = await canonicalStateDir(await mkdtemp(join(tmpdir(), `fsto-${name}-`)));
  });
  afterAll(async () => {
    for (const p of w.started) p.kill('SIGTERM');
    await Promise.all(w.started);
    await w.env?.close();
  });
  return w;
}
