import type { WorkflowClient } from '@temporalio/client';
import type { Ledger } from '../activities/ledger/ledger';
import type { RunOwner } from '../activities/ledger/owner';
import { reap, type Releasers, type ReapReport } from '../activities/ledger/reaper';
import { makeIsRunOpen } from './run-status';

// The host's reaper: once at worker start (runs this server owns, and runs recorded without an
// owner), then every intervalMs while the worker is up (owned runs only: an unowned entry may be
// a live `fsto vm run`, which no server knows). Never two passes at once.

export interface ReaperOptions {
  ledger: Ledger;
  client: WorkflowClient;
  owner: RunOwner;
  releasers: Releasers;
  intervalMs: number;
  log: (line: string) => void;
  onReleased?: (n: number) => void;
}

export interface PeriodicReaper {
  atStart: Promise<ReapReport>;
  stop(): Promise<void>;
}

export function startReaper(o: ReaperOptions): PeriodicReaper {
  const isRunOpen = makeIsRunOpen(o.client);
  const pass = async (unowned: boolean): Promise<ReapReport> => {
    const report = await reap(o.ledger, isRunOpen, o.releasers, { owner: o.owner, unowned });
    o.onReleased?.(report.released.length);
    return report;
  };
  let current: Promise<unknown> = pass(true);
  const atStart = current as Promise<ReapReport>;
  const tick = () => {
    current = current
      .catch(() => undefined)
      .then(() => pass(false))
      .then(
        (r) => {
          if (r.released.length || r.failed.length) {
            o.log(JSON.stringify({ msg: 'reaper', released: r.released.length, failed: r.failed }));
          }
        },
        (err: unknown) => o.log(JSON.stringify({ msg: 'reaper failed', error: String(err) })),
      );
  };
  const timer = setInterval(tick, o.intervalMs);
  timer.unref();
  return {
    atStart,
    async stop() {
      clearInterval(timer);
      await current.catch(() => undefined);
    },
  };
}
