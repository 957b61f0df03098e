import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { execa, type ResultPromise } from 'execa';
import { afterAll, describe, expect, inject, it } from 'vitest';
import { EXIT } from '../../client/core/exit-codes';
import { uniqueId } from '../helpers/temporal';

const FSTO = fileURLToPath(new URL('../../fsto', import.meta.url));

// Two real `fsto worker` processes on one host (one state dir, one host id), both with the
// default --metrics: the second used to die at start ("Failed to start prometheus metrics
// exporter: Address already in use"). Each must come up and serve its own /metrics; a third
// that names a taken address is refused with the fix, before it connects to anything.
describe('two workers on one host', () => {
  const workers: ResultPromise[] = [];
  let stateDir: string;
  const queue = uniqueId('fstests-two');
  const hostId = uniqueId('two-host');
  const start = (extra: string[] = []) => {
    const w = execa(
      FSTO,
      ['worker', '--address', inject('temporalAddress'), '--task-queue', queue, ...extra],
      {
        env: {
          FSTO_STATE_DIR: stateDir,
          FSTO_HOST_ID: hostId,
          FSTO_KVM_PROBE: 'skip',
          FSTO_LOG_LEVEL: 'WARN',
        },
        reject: false,
        forceKillAfterDelay: false,
        stdin: 'ignore',
        stdout: 'ignore',
        stderr: 'pipe',
      },
    );
    workers.push(w);
    return w;
  };
  /** The address the worker announces ("metrics on http://ADDR/metrics"), or why it ended. */
  const announced = (w: ResultPromise) =>
    new Promise<string>((resolve, reject) => {
      let err = '';
      w.stderr?.on('data', (d: Buffer) => {
        err += d.toString();
        const m = /fsto worker: host .*metrics on http:\/\/([^/\s]+)\/metrics/.exec(err);
        if (m) resolve(m[1]!);
      });
      void w.then((r) => reject(new Error(`worker exited ${r.exitCode}: ${err}`)));
    });
  afterAll(async () => {
    for (const w of workers) w.kill('SIGTERM');
    await Promise.all(workers);
  });

  it('both come up, each serving its own metrics endpoint; a named taken address is refused', async () => {
    stateDir = await mkdtemp(join(tmpdir(), 'fsto-two-'));
    const a = start();
    const addrA = await announced(a);
    const b = start();
    const addrB = await announced(b);
    expect(addrB).not.toBe(addrA);
    for (const addr of [addrA, addrB]) {
      const text = await (await fetch(`http://${addr}/metrics`)).text();
      expect(text).toMatch(/^fsto_devices_held\S*(\{[^}]*\})? \d+$/m);
    }
    expect(a.exitCode).toBeNull(); // still running
    expect(b.exitCode).toBeNull();

    const c = await start(['--metrics', addrA]);
    expect(c.exitCode).toBe(EXIT.badInput);
    expect(c.stderr).toContain(`--metrics: ${addrA} already in use`);
    expect(c.stderr).toContain('--metrics off');
    expect(c.stderr).not.toMatch(/fsto worker: host /);
  }, 240_000);
});
