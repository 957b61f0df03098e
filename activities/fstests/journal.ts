import { appendFile, readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { TestResult } from '../../common/schemas';

// A batch's finished verdicts and listing, on the host (the heartbeat only says how far it got):
// a retried attempt of the same batch (its worker died) reads them back and resumes after them.
// <resultsDir>/<label>.results.jsonl: one TestResult per line, appended as tests finish.

export class BatchJournal {
  readonly resultsFile: string;
  readonly listingFile: string;
  private writes: Promise<void> = Promise.resolve();

  constructor(resultsDir: string, label: string) {
    this.resultsFile = join(resultsDir, `${label}.results.jsonl`);
    this.listingFile = join(resultsDir, `${label}.listing.json`);
  }

  /** A first attempt starts from nothing. */
  async reset(): Promise<void> {
    await Promise.all([rm(this.resultsFile, { force: true }), rm(this.listingFile, { force: true })]);
  }

  /** What earlier attempts finished (later lines win; a torn last line is skipped). */
  async finished(): Promise<Map<string, TestResult>> {
    const text = await readFile(this.resultsFile, 'utf8').catch(() => '');
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
    const text = await readFile(this.listingFile, 'utf8').catch(() => undefined);
    try {
      return text === undefined ? undefined : (JSON.parse(text) as string[]);
    } catch {
      return undefined;
    }
  }

  /** Queue a finished verdict (in order); `flush` waits for the file. */
  record(r: TestResult): void {
    this.writes = this.writes.then(() => appendFile(this.resultsFile, `${JSON.stringify(r)}\n`));
  }

  async saveListing(tests: string[]): Promise<void> {
    await writeFile(this.listingFile, JSON.stringify(tests));
  }

  flush(): Promise<void> {
    return this.writes;
  }
}
