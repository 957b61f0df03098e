import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { takeSlot } from '../../activities/host/slots';
import { Ledger } from '../../activities/ledger/ledger';
import { releaseRun } from '../../activities/ledger/reaper';
import { claimGate } from '../../workers/claim-gate';

const fresh = async () => {
  const stateDir = await mkdtemp(join(tmpdir(), 'fsto-slots-'));
  return { stateDir, ledger: new Ledger(join(stateDir, 'ledger')), vmSlots: 3 };
};
const reserveCtx = {
  slotType: 'activity' as const,
  taskQueue: 'q',
  workerIdentity: 'w',
  workerBuildId: '',
  isSticky: false,
};

describe('VM slots in the ledger', () => {
  it('hands out exactly vmSlots to claims racing each other, once per run', async () => {
    const deps = await fresh();
    const runs = Array.from({ length: 8 }, (_, i) => `run-${i}`);
    const got = await Promise.all(runs.map((r) => takeSlot(deps, r)));
    expect(got.filter((g) => g === 'taken')).toHaveLength(3);
    expect(got.filter((g) => g === 'full')).toHaveLength(5);
    const holder = runs[got.indexOf('taken')]!;
    expect(await takeSlot(deps, holder)).toBe('held already');

    await releaseRun(deps.ledger, holder, { slot: async () => {} });
    const waiting = runs[got.indexOf('full')]!;
    expect(await takeSlot(deps, waiting)).toBe('taken');
    expect(await takeSlot(deps, 'one-more')).toBe('full');
  });

  it('the claim gate grants a poll permit only while a slot is free, and again once one is released', async () => {
    const deps = await fresh();
    const gate = claimGate({ ledger: deps.ledger, vmSlots: 2, pollMs: 20 });
    await takeSlot(deps, 'a');
    const ac = new AbortController();
    const first = await gate.reserveSlot(reserveCtx, ac.signal);
    let second = false;
    const pending = gate.reserveSlot(reserveCtx, ac.signal).then(() => (second = true));
    await new Promise((r) => setTimeout(r, 200));
    expect(second).toBe(false); // one slot held in the ledger, one permit out: nothing free

    gate.releaseSlot({ permit: first }); // the first poll came back empty
    await pending;
    expect(second).toBe(true);

    // Each claim queue counts its own permits (a long poll on one must not shut out the other).
    const kvm = await gate.reserveSlot({ ...reserveCtx, taskQueue: 'q-kvm' }, ac.signal);
    expect(kvm).toEqual({ queue: 'q-kvm' });

    const aborted = new AbortController();
    const third = gate.reserveSlot(reserveCtx, aborted.signal);
    aborted.abort();
    await expect(third).rejects.toBe(aborted.signal.reason);
    expect(gate.tryReserveSlot(reserveCtx)).toBeNull();
  });
});
