/**
 * The one judge of a hang while `check` runs (the guest exec has no idle limit of its own):
 * - in a test (armed when check names it, disarmed when it reports it): the test's own timeout
 *   (history × factor, floor, default without history), counted from its start, whatever it
 *   prints meanwhile;
 * - outside a test (check's start-up, between tests, its wrap-up): silence longer than idleSec.
 * `onHung` stops the command (and the batch ends hung).
 */
export class HangWatchdog {
  private timer: NodeJS.Timeout | undefined;
  private inTest = false;
  /** The test that outlived its timeout. */
  hungAt: string | undefined;
  /** check was silent outside any test for longer than idleSec. */
  idleHung = false;

  constructor(
    private readonly timeoutFor: (test: string) => number,
    private readonly idleSec: number,
    private readonly onHung: (test: string | undefined) => void,
  ) {}

  /** check started: its start-up is outside any test. */
  start(): void {
    this.inTest = false;
    this.arm(this.idleSec, undefined);
  }

  started(test: string): void {
    this.inTest = true;
    this.arm(this.timeoutFor(test), test);
  }

  finished(): void {
    this.inTest = false;
    this.arm(this.idleSec, undefined);
  }

  /** check printed something: outside a test that is progress; inside, only the verdict is. */
  output(): void {
    if (this.timer && !this.inTest) this.arm(this.idleSec, undefined);
  }

  get fired(): boolean {
    return this.hungAt !== undefined || this.idleHung;
  }

  disarm(): void {
    clearTimeout(this.timer);
    this.timer = undefined;
  }

  private arm(sec: number, test: string | undefined): void {
    this.disarm();
    this.timer = setTimeout(() => {
      this.timer = undefined;
      if (test) this.hungAt = test;
      else this.idleHung = true;
      this.onHung(test);
    }, sec * 1000);
  }
}

/** How long check may be silent outside a test: generous (start-up mkfs's SCRATCH_DEV, wrap-up). */
export function idleLimitSec(hang: { floorSec: number; defaultSec: number }): number {
  return Math.max(hang.floorSec, hang.defaultSec, MIN_IDLE_SEC);
}

/** Never less than this: check's start-up on real fstests under TCG takes minutes at worst. */
export const MIN_IDLE_SEC = 300;
