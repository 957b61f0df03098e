import { join } from 'node:path';
import { TestResult } from '../../common/schemas';
import { Beneath } from '../beneath';

// A batch's finished verdicts and listing, on the host (the heartbeat only says how far it got):
// a retried attempt of the same batch (its worker died) reads them back and resumes after them.
// <resultsDir>/<label>.results.jsonl: one TestResult per line, appended as tests finish. The
// results dir is the guest's share: its names are never followed (activities/beneath.ts).
// Each verdict is written once: the batch hands a test's verdict as check streams it and again
// in the check's merged outcome; the second is written only when it differs (xunit's reason,
// the worst of -i iterations), and readers take a test's last line.

/** A verdict's content, whatever the order of its fields. */
const contentOf = (r: TestResult): string => JSON.stringify(r, Object.keys(r).sort());

export class BatchJournal {
  readonly resultsFile: string;
  readonly listingFile: string;
  private writes: Promise<void> = Promise.resolve();
  private readonly share: Beneath;
  private failed: Error | undefined;
  /** What this journal holds per test (its last line), so an equal verdict is not written again. */
  private readonly written = new Map<string, string>();
  /** The file ends in a torn line (a worker died mid-write): the next line starts on its own. */
  private torn = false;

  constructor(resultsDir: string, label: string) {
    this.share = new Beneath(resultsDir);
    this.resultsFile = join(resultsDir, `${label}.results.jsonl`);
    this.listingFile = join(resultsDir, `${label}.listing.json`);
  }

  /** A first attempt starts from nothing. */
  async reset(): Promise<void> {
    this.written.clear();
    this.torn = false;
    await Promise.all([this.share.rm(this.resultsFile), this.share.rm(this.listingFile)]);
  }

  /** What earlier attempts finished (later lines win; a torn last line is skipped). */
  async finished(): Promise<Map<string, TestResult>> {
    const text = await this.share.readText(this.resultsFile).catch(() => '');
    this.torn = text !== '' && !text.endsWith('\n');
    const out = new Map<string, TestResult>();
    for (const line of text.split('\n')) {
      if (!line.trim()) continue;
      try {
        const r = TestResult.parse(JSON.parse(line));
        out.set(r.name, r);
        this.written.set(r.name, contentOf(r));
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

  /** Queue a finished verdict (in order) unless the journal holds it already; `flush` waits for the file. */
  record(r: TestResult): void {
    const content = contentOf(r);
    if (this.written.get(r.name) === content) return;
    this.written.set(r.name, content);
    // A failed write (a link planted in its place) is kept for flush, never left unhandled.
    this.writes = this.writes
      .then(() => {
        const line = `${this.torn ? '\n' : ''}${JSON.stringify(r)}\n`;
        this.torn = false;
        return this.share.appendFile(this.resultsFile, line);
      })
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
