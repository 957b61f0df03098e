import { execaSync } from 'execa';
import { describe, expect, it } from 'vitest';
import { onInterrupts } from '../../client/core/interrupt';

// Signals as the process receives them, emitted here (so the test process itself is not
// interrupted). Exit codes as bash reports a process killed by the signal (an oracle outside the
// code under test).
const shellReports = (signal: string) =>
  Number(execaSync('bash', ['-c', `sh -c 'kill -${signal.slice(3)} $$'; echo $?`]).stdout);
const listeners = () => ['SIGINT', 'SIGTERM', 'SIGHUP'].map((s) => process.listenerCount(s));

describe('onInterrupts', () => {
  it('Ctrl-C: one step per interrupt in order, then exits 130, and removes its handlers', () => {
    const before = listeners();
    const calls: string[] = [];
    const i = onInterrupts([() => calls.push('cancel'), () => calls.push('detach')], (code) =>
      calls.push(`exit ${code}`),
    );
    process.emit('SIGINT');
    expect(calls).toEqual(['cancel']);
    expect([i.first, i.exitCode]).toEqual(['SIGINT', shellReports('SIGINT')]);
    process.emit('SIGINT');
    expect(calls).toEqual(['cancel', 'detach']);
    process.emit('SIGINT');
    expect(calls).toEqual(['cancel', 'detach', `exit ${shellReports('SIGINT')}`]);
    i.off();
    expect(listeners()).toEqual(before);
  });

  it.each(['SIGTERM', 'SIGHUP'] as const)(
    '%s cancels like the first Ctrl-C; another changes nothing',
    (signal) => {
      const code = shellReports(signal);
      const calls: string[] = [];
      const i = onInterrupts([() => calls.push('cancel'), () => calls.push('detach')], (c) =>
        calls.push(`exit ${c}`),
      );
      process.emit(signal);
      process.emit(signal);
      process.emit('SIGTERM');
      expect(calls).toEqual(['cancel']);
      expect([i.first, i.exitCode]).toEqual([signal, code]);
      // A person at the terminal may still detach, then leave at once; the code stays the first's.
      process.emit('SIGINT');
      process.emit('SIGINT');
      expect(calls).toEqual(['cancel', 'detach', `exit ${code}`]);
      i.off();
    },
  );

  it('a signal before the steps are set (start-up) runs the new first step when they are', () => {
    const calls: string[] = [];
    const i = onInterrupts([() => calls.push('noted')]);
    process.emit('SIGTERM');
    i.setSteps([() => calls.push('cancel'), () => calls.push('detach')]);
    expect(calls).toEqual(['noted', 'cancel']);
    process.emit('SIGINT');
    expect(calls).toEqual(['noted', 'cancel', 'detach']);
    i.off();
  });
});
