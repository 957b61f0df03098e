import { PROGRESS_SIGNAL_MIN_SEC, type BatchProgressSignal, type TestResult } from '../../common/schemas';

// Live progress to the workflow, bounded: the listing goes at once; finished tests are gathered
// and sent at most once per PROGRESS_SIGNAL_MIN_SEC (a run's history must not grow by a signal
// per test), in chunks of at most MAX_RESULTS; `flush` sends what is left when the batch ends.
// Best effort: the batch's result carries every verdict anyway.

export const MAX_RESULTS_PER_SIGNAL = 100;

export class ProgressSignals {
  private pending: TestResult[] = [];
  private next: string | undefined;
  private timer: NodeJS.Timeout | undefined;
  private lastSent = -Infinity;
  private sending: Promise<void> = Promise.resolve();

  constructor(
    private readonly label: string,
    private readonly send: ((s: BatchProgressSignal) => Promise<void>) | undefined,
    private readonly minSec = PROGRESS_SIGNAL_MIN_SEC,
    private readonly now: () => number = Date.now,
  ) {}

  listing(listed: string[], expectedSec: Record<string, number>): void {
    this.emit({ label: this.label, listed, expectedSec, ...(listed[0] ? { next: listed[0] } : {}) });
  }

  result(r: TestResult, next: string | undefined): void {
    this.pending.push(r);
    this.next = next;
    const wait = this.lastSent + this.minSec * 1000 - this.now();
    if (wait <= 0) return this.drain();
    this.timer ??= setTimeout(() => this.drain(), wait);
  }

  /** Send what is pending now and wait for every signal sent so far. */
  async flush(): Promise<void> {
    this.drain();
    await this.sending;
  }

  private drain(): void {
    clearTimeout(this.timer);
    this.timer = undefined;
    if (this.pending.length === 0) return;
    this.lastSent = this.now();
    for (let i = 0; i < this.pending.length; i += MAX_RESULTS_PER_SIGNAL) {
      const results = this.pending.slice(i, i + MAX_RESULTS_PER_SIGNAL);
      const last = i + MAX_RESULTS_PER_SIGNAL >= this.pending.length;
      this.emit({ label: this.label, results, ...(last && this.next ? { next: this.next } : {}) });
    }
    this.pending = [];
  }

  private emit(s: BatchProgressSignal): void {
    const send = this.send;
    if (!send) return;
    this.sending = this.sending.then(() => send(s).catch(() => undefined));
  }
}
