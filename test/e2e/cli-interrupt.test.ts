import { describe, expect, it } from 'vitest';
import { onPty } from '../cli/pty';
import { expectedVerdicts } from '../parity/oracle';
import { cliSandbox, FSTO } from './cli-sandbox';
import { leftovers, NOTHING_LEFT, processesMentioning } from './leaks';

// `fsto run` in the embedded default (its own dev server and in-process worker), on a terminal:
// two named configs of the fixture suite, Ctrl-C while a test runs in a guest (TCG: KVM does not
// work on these hosts, so each run takes minutes).
describe('Ctrl-C on fsto run (pty)', () => {
  it('cancels, says so, releases everything, prints the verdicts so far, exits 130; nothing resumes next', async () => {
    const { stateDir, env } = await cliSandbox('pty');
    const hang = ['--hang-default', '600', '--hang-floor', '600'];
    const pty = onPty([FSTO, 'run', '-c', 'xfs/4k,ext4/4k', ...hang, 'fixture/001', 'fixture/006'], env);
    await pty.waitFor(/running fixture\/006/);
    await new Promise((r) => setTimeout(r, 3000)); // inside 006: it would hang for 10 min
    pty.key('\x03');
    expect(await pty.exited, pty.text()).toBe(130);
    const out = pty.text();
    const ids = [...out.matchAll(/run (fsto-\S+) started/g)].map((m) => m[1]!);
    expect(ids).toHaveLength(2);
    expect(out).toMatch(
      /interrupted: cancelling runs .*; stopping VMs and releasing devices \(Ctrl-C again to detach\)/,
    );
    // The run that was in the guest: 001's verdict as the suite's hand-written oracle has it, 006 cut.
    const oracle = await expectedVerdicts('fixture', 'guest');
    const after = out.slice(out.indexOf('interrupted:'));
    expect(after).toMatch(new RegExp(`fixture/001\\s+${oracle['fixture/001']}`));
    expect(after).toMatch(/CANCELLED/);
    expect(after).toMatch(/fixture\/006 was interrupted: no verdict/);
    for (const id of ids) {
      expect(after).toContain(`run ${id} cancelled; its devices and VMs are released`);
      expect(await leftovers(stateDir, id)).toEqual(NOTHING_LEFT);
    }
    expect(await processesMentioning(stateDir)).toEqual([]);

    // The next command has nothing to resume: it says nothing of earlier runs and runs its own.
    const next = onPty([FSTO, 'run', '-c', 'xfs/4k', 'fixture/001'], env);
    expect(await next.exited, next.text()).toBe(0);
    expect(next.text()).not.toMatch(/resuming/);
    expect(next.text()).toMatch(new RegExp(`fixture/001\\s+${oracle['fixture/001']}`));
  }, 1_500_000);
});
