/**
 * Per-test hang detection: armed when check names a test, disarmed when it reports it. A test
 * that outlives its timeout is declared hung and `onHung` stops the command (and the VM).
 */
export class HangWatchdog {
  private timer: NodeJS.Timeout | undefined;
  hungAt: string | undefined;

  constructor(
    private readonly timeoutFor: (test: string) => number,
    private readonly onHung: (test: string) => void,
  ) {}

  started(test: string): void {
    this.disarm();
    this.timer = setTimeout(
      () => {
        this.hungAt = test;
        this.onHung(test);
      },
      this.timeoutFor(test) * 1000,
    );
  }

  disarm(): void {
    clearTimeout(this.timer);
    this.timer = undefined;
  }
}
