import { mkdtemp, readdir, readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { execa, type ResultPromise } from 'execa';
import { pidsMentioning } from '../activities/vm/proc';
import { canonicalStateDir } from '../workers/host';
import { loopsUnder, mountsUnder } from '../kit/devices';

// The hosts of bench/cluster.ts: real `fsto worker` processes, each with its own host id and
// state dir, against the cluster's frontend and its PostgreSQL results store.

const FSTO = fileURLToPath(new URL('../fsto', import.meta.url));

export interface BenchHost {
  name: string;
  stateDir: string;
  proc?: ResultPromise;
  start(): void;
  kill(): Promise<void>;
  stop(): Promise<void>;
  /** Ledger run dirs with a VM entry. */
  vms(): Promise<string[]>;
  /** The worker's JSON log lines (stderr, appended across restarts) with this msg. */
  logged(msg: string): Promise<Record<string, unknown>[]>;
  leftovers(): Promise<{ loops: string[]; mounts: string[]; processes: number[]; ledger: string[] }>;
}

/** KEY=value lines of scripts/cluster.sh's env file. */
export async function clusterEnv(file: string): Promise<Record<string, string>> {
  const text = await readFile(file, 'utf8');
  return Object.fromEntries(
    text
      .split('\n')
      .filter((l) => l.includes('='))
      .map((l) => [l.slice(0, l.indexOf('=')), l.slice(l.indexOf('=') + 1)]),
  );
}

export async function benchHost(
  name: string,
  env: Record<string, string>,
  queue: string,
): Promise<BenchHost> {
  const stateDir = await canonicalStateDir(await mkdtemp(join(tmpdir(), `fsto-cluster-${name}-`)));
  const ledger = join(stateDir, 'ledger');
  const h: BenchHost = {
    name,
    stateDir,
    start() {
      h.proc = execa(FSTO, ['worker', '--task-queue', queue, '--vm-slots', '1', '--metrics', 'off'], {
        env: {
          ...env,
          FSTO_STATE_DIR: stateDir,
          FSTO_HOST_ID: `bench-${name}-${queue.slice(-4)}`,
          FSTO_KVM_PROBE: 'skip',
          FSTO_REAP_INTERVAL_SEC: '10',
          FSTO_LOG_LEVEL: 'WARN',
        },
        reject: false,
        // execa would follow SIGTERM with SIGKILL after 5 s: a stopping worker needs longer.
        forceKillAfterDelay: false,
        stdin: 'ignore',
        stdout: 'ignore',
        stderr: { file: join(stateDir, 'worker.log'), append: true },
      });
    },
    // The worker and, in it, the VM supervisor: the guest (its own process group) stays as it was.
    async kill() {
      h.proc?.kill('SIGKILL');
      await h.proc;
    },
    async stop() {
      h.proc?.kill('SIGTERM');
      await h.proc;
    },
    async vms() {
      const out: string[] = [];
      for (const run of await readdir(ledger).catch(() => [] as string[])) {
        const names = await readdir(join(ledger, run)).catch(() => [] as string[]);
        if (names.some((n) => n.includes('-vm-'))) out.push(run);
      }
      return out;
    },
    async logged(msg) {
      const text = await readFile(join(stateDir, 'worker.log'), 'utf8').catch(() => '');
      return text
        .split('\n')
        .filter((l) => l.startsWith('{'))
        .flatMap((l) => {
          try {
            return [JSON.parse(l) as Record<string, unknown>];
          } catch {
            return [];
          }
        })
        .filter((o) => o.msg === msg);
    },
    async leftovers() {
      return {
        loops: [...(await loopsUnder(stateDir)).keys()],
        mounts: await mountsUnder(stateDir),
        processes: await pidsMentioning(join(stateDir, 'runs')),
        ledger: await readdir(ledger).catch(() => []),
      };
    },
  };
  return h;
}
