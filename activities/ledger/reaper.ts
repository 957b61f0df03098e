import type { Ledger, LedgerEntry, ResourceKind } from './ledger';
import { sameOwner, type RunOwner } from './owner';

// Releases whatever the ledger holds for runs that are no longer open. Runs at worker start,
// periodically while a worker is up, and on demand (`fsto devices reap`). Each resource kind
// registers its own idempotent releaser; entries go newest first, the reverse of creation (a
// loop device before its backing file). A run's VM slot (its oldest entry) is given back only
// when everything else of the run was released: a leak keeps occupying the host.

export type Releaser = (entry: LedgerEntry) => Promise<void>;
export type Releasers = Partial<Record<ResourceKind, Releaser>>;

export interface ReapReport {
  released: LedgerEntry[];
  failed: { entry: LedgerEntry; error: string }[];
  skippedOpenRuns: string[];
  /** Runs owned by another Temporal server or namespace: never ours to judge. */
  skippedForeignRuns: string[];
  /** Open runs that hold another host now (lost this one): released here, slot included. */
  movedRuns: { runKey: string; to: string }[];
}

/**
 * What the owning server says about a run: false = closed, true = open (here, or not known
 * where), or open on another host (`to`: where its steps go now).
 */
export type RunVerdict = boolean | { movedTo: string };

/**
 * Whose runs a reaper may release. A run owned by another server+namespace is skipped whatever
 * this server says about it (to this server it is unknown, which says nothing about the other).
 * Runs recorded without an owner (`fsto vm run`, an older fsto) are judged by this server only
 * when `unowned` is true: at worker start and by `fsto devices reap`, never periodically.
 */
export interface ReapScope {
  owner: RunOwner;
  unowned: boolean;
}

const emptyReport = (): ReapReport => ({
  released: [],
  failed: [],
  skippedOpenRuns: [],
  skippedForeignRuns: [],
  movedRuns: [],
});

/**
 * Release all entries of one run (or only those of `kinds`), newest first; keep the ones that
 * fail for a later try.
 */
export async function releaseRun(
  ledger: Ledger,
  runKey: string,
  releasers: Releasers,
  report: ReapReport = emptyReport(),
  kinds?: readonly ResourceKind[],
): Promise<ReapReport> {
  const entries = (await ledger.list(runKey)).filter((e) => !kinds || kinds.includes(e.kind)).reverse();
  const failedBefore = report.failed.length;
  for (const entry of entries) {
    if (entry.kind === 'slot' && report.failed.length > failedBefore) continue;
    const release = releasers[entry.kind];
    if (!release) {
      report.failed.push({ entry, error: `no releaser registered for ${entry.kind}` });
      continue;
    }
    try {
      await release(entry);
      await ledger.remove(entry);
      report.released.push(entry);
    } catch (err) {
      report.failed.push({ entry, error: err instanceof Error ? err.message : String(err) });
    }
  }
  await ledger.forgetRunIfEmpty(runKey);
  return report;
}

/**
 * `isRunOpen` is asked about the run's workflow id (Ledger.workflowIdOf: the key itself unless
 * the key was made of an unsafe id). Without a scope every run is judged by `isRunOpen` (tests, and `--assume-closed`). A run that
 * moved to another host is released with `moved` (the releasers for that case: its slot only if
 * the run did not claim this host again meanwhile); without them it is kept like any open run.
 */
export async function reap(
  ledger: Ledger,
  isRunOpen: (workflowId: string) => Promise<RunVerdict>,
  releasers: Releasers,
  scope?: ReapScope,
  moved?: Releasers,
): Promise<ReapReport> {
  const report = emptyReport();
  for (const runKey of await ledger.runs()) {
    if (scope && !(await mayJudge(ledger, runKey, scope))) {
      report.skippedForeignRuns.push(runKey);
      continue;
    }
    const verdict = await isRunOpen(await ledger.workflowIdOf(runKey));
    if (typeof verdict === 'object' && moved) {
      report.movedRuns.push({ runKey, to: verdict.movedTo });
      await releaseRun(ledger, runKey, moved, report);
      continue;
    }
    if (verdict) {
      report.skippedOpenRuns.push(runKey);
      continue;
    }
    await releaseRun(ledger, runKey, releasers, report);
  }
  return report;
}

async function mayJudge(ledger: Ledger, runKey: string, scope: ReapScope): Promise<boolean> {
  const owner = await ledger.owner(runKey);
  return owner ? sameOwner(owner, scope.owner) : scope.unowned;
}
