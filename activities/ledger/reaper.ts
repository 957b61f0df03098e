import type { Ledger, LedgerEntry, ResourceKind } from './ledger';

// Releases whatever the ledger holds for runs that are no longer open. Runs at worker start and
// on demand (`fsto devices reap`). Each resource kind registers its own idempotent releaser;
// entries go newest first, the reverse of creation (a loop device before its backing file).

export type Releaser = (entry: LedgerEntry) => Promise<void>;
export type Releasers = Partial<Record<ResourceKind, Releaser>>;

export interface ReapReport {
  released: LedgerEntry[];
  failed: { entry: LedgerEntry; error: string }[];
  skippedOpenRuns: string[];
}

/**
 * Release all entries of one run (or only those of `kinds`), newest first; keep the ones that
 * fail for a later try.
 */
export async function releaseRun(
  ledger: Ledger,
  runKey: string,
  releasers: Releasers,
  report: ReapReport = { released: [], failed: [], skippedOpenRuns: [] },
  kinds?: readonly ResourceKind[],
): Promise<ReapReport> {
  const entries = (await ledger.list(runKey)).filter((e) => !kinds || kinds.includes(e.kind)).reverse();
  for (const entry of entries) {
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

export async function reap(
  ledger: Ledger,
  isRunOpen: (runKey: string) => Promise<boolean>,
  releasers: Releasers,
): Promise<ReapReport> {
  const report: ReapReport = { released: [], failed: [], skippedOpenRuns: [] };
  for (const runKey of await ledger.runs()) {
    if (await isRunOpen(runKey)) {
      report.skippedOpenRuns.push(runKey);
      continue;
    }
    await releaseRun(ledger, runKey, releasers, report);
  }
  return report;
}
