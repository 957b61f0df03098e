import { join } from 'node:path';
import { TestResult } from '../../common/schemas';
import { Beneath } from '../beneath';

// A batch's finished verdicts and listing, on the host (the heartbeat only says how far it got):
// a retried attempt of the same batch (its worker died) reads them back and resumes after them.
// <resultsDir>/<label>.results.jsonl: one TestResult per line, appended as tests finish. The
// results dir is the guest's share: its names are never followed (activities/beneath.ts).

export class BatchJournal {
  readonly resultsFile: string;
  readonly listingFile: string;
  private writes: Promise<void> = Promise.resolve();
  private readonly share: Beneath;
  private failed: Error | undefined;

  constructor(resultsDir: string, label: string) {
    this.share = new Beneath(resultsDir);
    this.resultsFile = join(resultsDir, `${label}.results.jsonl`);
    this.listingFile = join(resultsDir, `${label}.listing.json`);
  }

  /** A first attempt starts from nothing. */
  async reset(): Promise<void> {
    await Promise.all([this.share.rm(this.resultsFile), this.share.rm(this.listingFile)]);
  }

  /** What earlier attempts finished (later lines win; a torn last line is skipped). */
  async finished(): Promise<Map<string, TestResult>> {
    const text = await this.share.readText(this.resultsFile).catch(() => '');
    const out = new Map<string, TestResult>();
    for (const line of text.split('\n')) {
      if (!line.trim()) continue;
      try {
        const r = TestResult.parse(JSON.parse(line));
        out.set(r.name, r);
      } catch {
        // the worker died mid-line
      }
    }
    return out;
  }

  async listing(): Promise<string[] | undefined> {
    const text = await this.share.readText(this.listingFile).catch(() => undefined);
    try {
      return text === undefined ? undefined : (JSON.parse(text) as string[]);
    } catch {
      return undefined;
    }
  }

  /** Queue a finished verdict (in order); `flush` waits for the file. */
  record(r: TestResult): void {
    // A failed write (a link planted in its place) is kept for flush, never left unhandled.
    this.writes = this.writes
      .then(() => this.share.appendFile(this.resultsFile, `${JSON.stringify(r)}\n`))
      .catch((err: Error) => void (this.failed ??= err));
  }

  async saveListing(tests: string[]): Promise<void> {
    await this.share.writeFile(this.listingFile, JSON.stringify(tests));
  }

  async flush(): Promise<void> {
    await this.writes;
    if (this.failed !== undefined) throw this.failed;
  }
}
