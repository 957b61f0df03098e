import { constants } from 'node:os';

// Interrupting a command that holds a host's resources (fsto run): Ctrl-C (SIGINT), SIGTERM (kill,
// a script, a supervisor) and SIGHUP (its terminal closed) all mean "cancel and clean up": the
// first calls steps[0]. Further Ctrl-Cs call the next steps (detach); one more than there are
// ends the process at once. A further SIGTERM or SIGHUP changes nothing: whoever sends it cannot
// choose to detach, and the cleanup must finish (a supervisor that cannot wait sends SIGKILL).
// The exit code is 128 + the first signal's number, as a shell reports a process it killed.

export const INTERRUPT_SIGNALS = ['SIGINT', 'SIGTERM', 'SIGHUP'] as const;
export type InterruptSignal = (typeof INTERRUPT_SIGNALS)[number];

export const exitCodeOf = (s: InterruptSignal): number => 128 + constants.signals[s];

/** How the first interrupt is named to the user. */
export function interruptName(s: InterruptSignal): string {
  if (s === 'SIGINT') return 'interrupted';
  return s === 'SIGHUP' ? 'terminal closed (SIGHUP)' : 'terminated (SIGTERM)';
}

/**
 * End the process as the signal asked, once everything is released: 128 + its number, and after
 * a SIGHUP by the signal itself. Node would abort at exit (SIGABRT, 134) restoring the modes of a
 * terminal that hung up (its ResetStdio accepts no EIO); ending by the signal, as a program that
 * cleaned up after one should, runs none of that, and the shell reports 129.
 */
export function endBy(signal: InterruptSignal): void {
  if (signal !== 'SIGHUP') process.exit(exitCodeOf(signal));
  process.removeAllListeners('SIGHUP');
  process.kill(process.pid, 'SIGHUP');
}

export interface Interrupts {
  /** The first interrupt received, if any. */
  readonly first: InterruptSignal | undefined;
  /** Its exit code (130, 143, 129), or undefined. */
  readonly exitCode: number | undefined;
  /** The steps from now on; when an interrupt came before (during start-up), steps[0] runs at once. */
  setSteps(steps: readonly (() => void)[]): void;
  /** Remove the handlers. */
  off(): void;
  /** At the command's very end (everything released): remove the handlers; after a SIGHUP, endBy it. */
  settle(): void;
}

/** Install the handlers (from a command's start: a signal during start-up counts too). */
export function onInterrupts(
  steps: readonly (() => void)[] = [],
  exit: (code: number) => void = (c) => process.exit(c),
): Interrupts {
  let current = steps;
  let count = 0;
  let first: InterruptSignal | undefined;
  const handler = (signal: InterruptSignal) => {
    if (signal !== 'SIGINT' && count > 0) return;
    first ??= signal;
    const step = current[count++];
    if (step) step();
    else exit(exitCodeOf(first));
  };
  const handlers = INTERRUPT_SIGNALS.map((s) => [s, () => handler(s)] as const);
  for (const [s, h] of handlers) process.on(s, h);
  const off = () => {
    for (const [s, h] of handlers) process.off(s, h);
  };
  return {
    get first() {
      return first;
    },
    get exitCode() {
      return first && exitCodeOf(first);
    },
    setSteps(next) {
      current = next;
      if (count > 0) next[0]?.();
    },
    off,
    settle() {
      off();
      if (first === 'SIGHUP') endBy('SIGHUP');
    },
  };
}
