import { describe, expect, it } from 'vitest';
import { onInterrupt } from '../../client/interrupt';

// Ctrl-C as the terminal delivers it: a SIGINT to the process (emitted here, so the test process
// itself is not interrupted); SIGTERM from a script counts the same.
describe('onInterrupt', () => {
  it('calls one step per interrupt in order, then exits 130, and removes its handlers', () => {
    const before = [process.listenerCount('SIGINT'), process.listenerCount('SIGTERM')];
    const calls: string[] = [];
    const off = onInterrupt([() => calls.push('cancel'), () => calls.push('detach')], (code) =>
      calls.push(`exit ${code}`),
    );
    process.emit('SIGINT');
    expect(calls).toEqual(['cancel']);
    process.emit('SIGTERM');
    expect(calls).toEqual(['cancel', 'detach']);
    process.emit('SIGINT');
    expect(calls).toEqual(['cancel', 'detach', 'exit 130']);
    off();
    expect([process.listenerCount('SIGINT'), process.listenerCount('SIGTERM')]).toEqual(before);
  });
});
