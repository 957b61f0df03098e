import type { WorkflowClient } from '@temporalio/client';
import type { Ledger } from '../activities/ledger/ledger';
import type { RunOwner } from '../activities/ledger/owner';
import { reap, type Releasers, type ReapReport, type RunVerdict } from '../activities/ledger/reaper';
import { pruneRuns, type RetentionPolicy } from '../activities/host/retention';
import { movedSlotReleaser, slotAgeMs } from '../activities/host/slots';
import { hostKeyOf } from '../common/schemas';
import { makeRunVerdict } from './run-status';

// The host's reaper: once at worker start (runs this server owns, and runs recorded without an
// owner), then every intervalMs while the worker is up (owned runs only: an unowned entry may be
// a live `fsto vm run`, which no server knows). Never two passes at once. A run still open but
// gone to another host (this one was taken for lost) is released here too, VM slot included, so
// a host that returns is not kept full by the run it lost — unless the run claimed this host
// within the last CLAIM_FRESH_MS (a claim racing the reaper).

export interface ReaperOptions {
  ledger: Ledger;
  client: WorkflowClient;
  owner: RunOwner;
  releasers: Releasers;
  /** This host's own queue: where the steps of runs that still use this host wait. */
  hostQueue: string;
  stateDir: string;
  intervalMs: number;
  log: (line: string) => void;
  onReleased?: (n: number) => void;
  /** Run dirs kept by age/bytes, pruned after each pass (never a run the ledger holds). */
  retention?: RetentionPolicy;
}

export interface PeriodicReaper {
  atStart: Promise<ReapReport>;
  stop(): Promise<void>;
}

export const CLAIM_FRESH_MS = 120_000;

export function startReaper(o: ReaperOptions): PeriodicReaper {
  const where = makeRunVerdict(o.client, o.hostQueue);
  const verdict = async (workflowId: string): Promise<RunVerdict> => {
    const v = await where(workflowId);
    if (typeof v !== 'object') return v;
    const age = await slotAgeMs(o.ledger, hostKeyOf(workflowId));
    return age !== undefined && age < CLAIM_FRESH_MS ? true : v;
  };
  const moved = { ...o.releasers, slot: movedSlotReleaser(o, CLAIM_FRESH_MS) };
  const pass = async (unowned: boolean): Promise<ReapReport> => {
    const report = await reap(o.ledger, verdict, o.releasers, { owner: o.owner, unowned }, moved);
    o.onReleased?.(report.released.length);
    if (o.retention && (o.retention.keepNights !== undefined || o.retention.keepBytes !== undefined)) {
      const pruned = await pruneRuns(o.stateDir, o.ledger, o.retention);
      if (pruned.removed.length)
        o.log(JSON.stringify({ msg: 'retention', removed: pruned.removed, keptBytes: pruned.keptBytes }));
    }
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
            const moved = r.movedRuns;
            o.log(JSON.stringify({ msg: 'reaper', released: r.released.length, failed: r.failed, moved }));
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
