import { readdir, stat } from 'node:fs/promises';
import { createServer, type AddressInfo } from 'node:net';
import { dirname, join } from 'node:path';
import { RunSummary, type VmBackendName } from '../common/schemas';
import { runGroup, startGroup, type Group } from './overhead-group';
import { describeLeaks, findLeaks } from './overhead-leaks';
import type { SideResult } from './overhead-raw';

// The other side of bench/overhead.ts: what a user of fsto does, timed from the first process
// started to the last one ended: `fsto server` (the embedded dev server) on a private port, an
// `fsto worker`, `fsto run … --json` against them, then both stopped. (`fsto run` alone in the
// embedded default does the same in one process, but on the fixed port 7233, which another run
// on a shared machine may hold, and it would then reuse that server and its workers.)

export interface FstoResult extends SideResult {
  /** Server spawn to "run … started": dev server, client; the worker starts alongside. */
  startupSec?: number;
  /** The progress lines `fsto run` printed (`[phase] done/total done…`), in order. */
  progress?: string[];
}

/** A port nothing listens on now (the kernel's pick). */
function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address() as AddressInfo;
      srv.close(() => resolve(port));
    });
  });
}

/** Pure: the `fsto run` argv; no backend means fsto's default. */
export function fstoRunArgv(o: {
  repo: string;
  fixture: string;
  tests: string[];
  address: string;
  backend?: VmBackendName;
  /** FSTYP; default xfs. */
  fs?: string;
}): string[] {
  return [
    join(o.repo, 'fsto'),
    'run',
    '--address',
    o.address,
    '--fstests',
    o.fixture,
    '--fs',
    o.fs ?? 'xfs',
    ...(o.backend ? ['--backend', o.backend] : []),
    '--json',
    ...o.tests,
  ];
}

/** Seconds each VM of the run lived: its console log from creation to the last line. */
async function vmSeconds(runDir: string): Promise<number> {
  let total = 0;
  for (const f of await readdir(runDir)) {
    if (!/^vm-.*\.console\.log$/.test(f)) continue;
    const st = await stat(join(runDir, f));
    total += (st.mtimeMs - st.birthtimeMs) / 1000;
  }
  return total;
}

export async function runFsto(o: {
  repo: string;
  stateDir: string;
  fixture: string;
  tests: string[];
  backend?: VmBackendName;
  fs?: string;
  timeoutMs?: number;
}): Promise<FstoResult> {
  const what = `fsto run${o.backend ? ` --backend ${o.backend}` : ''}`;
  const fsto = join(o.repo, 'fsto');
  const [port, uiPort] = [await freePort(), await freePort()];
  const address = `127.0.0.1:${port}`;
  const env: Record<string, string> = {
    ...(process.env as Record<string, string>),
    FSTO_STATE_DIR: o.stateDir,
  };
  delete env.TEMPORAL_ADDRESS;
  // A host known to be TCG-only skips the KVM probe (here it costs a 20 s timeout per start).
  env.FSTO_KVM_PROBE = 'skip';
  const opts = { cwd: o.repo, env };
  const server = startGroup(
    [fsto, 'server', '--port', String(port), '--ui-port', String(uiPort), '--state-dir', o.stateDir],
    opts,
  );
  let worker: Group | undefined;
  try {
    await server.waitLine(/^Temporal server on/, 120_000);
    worker = startGroup([fsto, 'worker', '--address', address, '--metrics', 'off'], opts);
    const res = await runGroup(fstoRunArgv({ ...o, address }), {
      ...opts,
      timeoutMs: o.timeoutMs ?? 30 * 60_000,
    });
    if (res.exit !== 0 && res.exit !== 1) {
      throw new Error(`${what} exited ${res.exit}; stderr:\n${res.stderr.slice(-3000)}`);
    }
    const w = await worker.stop();
    const s = await server.stop();
    const endedAt = Date.now();
    const summary = RunSummary.parse(JSON.parse(res.stdout));
    const leaks = describeLeaks(await findLeaks(o.stateDir));
    for (const [name, r] of [
      ['run', res],
      ['worker', w],
      ['server', s],
    ] as const) {
      if (r.stragglers) leaks.push(`processes left in the ${name}'s process group (killed)`);
    }
    if (leaks.length) throw new Error(`${what} left resources behind: ${leaks.join('; ')}`);
    const started = res.lines.find((l) => /^run \S+ started/.test(l.text));
    const progress = res.lines.filter((l) => /^\[\S+\] \d+\/\d+ done/.test(l.text)).map((l) => l.text);
    return {
      wallSec: (endedAt - server.startedAt) / 1000,
      vmSec: await vmSeconds(dirname(summary.resultsDir)),
      ...(started ? { startupSec: (started.at - server.startedAt) / 1000 } : {}),
      progress,
      tests: summary.tests,
    };
  } finally {
    await worker?.stop();
    await server.stop();
  }
}
