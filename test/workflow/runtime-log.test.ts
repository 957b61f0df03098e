import { execa } from 'execa';
import { fileURLToPath } from 'node:url';
import { describe, expect, inject, it } from 'vitest';

// The Temporal core's own log lines go through fsto's logger at fsto's level (workers/runtime.ts),
// not straight to the console at the core's default (WARN): an embedded run's terminal shows
// nothing below ERROR, a `fsto worker` log shows the core's INFO lines. Each case is a fresh
// process (the runtime is installed once per process) running a real worker against the dev server.
const CHILD = fileURLToPath(new URL('./runtime-log.child.ts', import.meta.url));

async function workerStderr(level: string): Promise<string> {
  const r = await execa('npx', ['tsx', CHILD, inject('temporalAddress'), level], { reject: false });
  expect(r.exitCode, r.stderr).toBe(0);
  return r.stderr;
}

describe('core log lines', () => {
  it("reach fsto's logger at its level: INFO shows the core's, ERROR shows none", async () => {
    const info = await workerStderr('INFO');
    // The core's own words (sdk-core worker/mod.rs), one JSON line each as fsto writes its own.
    const lines = info.split('\n').filter((l) => l.includes('Initializing worker'));
    expect(lines.length).toBeGreaterThan(0);
    for (const l of lines) expect(JSON.parse(l)).toMatchObject({ level: 'info', msg: 'Initializing worker' });
    expect(await workerStderr('ERROR')).not.toMatch(/Initializing worker|WARN|INFO|"level"/i);
  }, 120_000);
});
