import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { Ledger } from '../../activities/ledger/ledger';
import { reap, type Releasers } from '../../activities/ledger/reaper';

const tmpLedger = async () => new Ledger(await mkdtemp(join(tmpdir(), 'fsto-ledger-')));

describe('ledger', () => {
  it('lists entries in creation order, with updates, and forgets removed ones', async () => {
    const ledger = await tmpLedger();
    const a = await ledger.record('run-1', 'backing-file', { path: '/x/a.img' });
    const b = await ledger.record('run-1', 'loop', { backingFile: '/x/a.img' });
    await ledger.update(b, { device: '/dev/loop9' });
    expect((await ledger.list('run-1')).map((e) => [e.kind, e.data])).toEqual([
      ['backing-file', { path: '/x/a.img' }],
      ['loop', { backingFile: '/x/a.img', device: '/dev/loop9' }],
    ]);
    await ledger.remove(a);
    await ledger.remove(a); // idempotent
    expect((await ledger.list('run-1')).map((e) => e.kind)).toEqual(['loop']);
  });

  it('a new Ledger object (a restarted worker) sees what an earlier one recorded', async () => {
    const ledger = await tmpLedger();
    await ledger.record('run-2', 'tmpfs', { mountpoint: '/m' });
    expect(await new Ledger(ledger.root).runs()).toEqual(['run-2']);
  });
});

describe('reaper', () => {
  it('releases closed runs newest first, skips open ones, keeps what failed to release', async () => {
    const ledger = await tmpLedger();
    await ledger.record('closed', 'backing-file', { path: 'f' });
    await ledger.record('closed', 'loop', { device: 'l' });
    await ledger.record('closed', 'vm', { pid: 1 });
    await ledger.record('open', 'loop', { device: 'o' });
    const order: string[] = [];
    const releasers: Releasers = {
      'backing-file': async (e) => void order.push(String(e.data.path)),
      loop: async (e) => void order.push(String(e.data.device)),
      vm: async () => {
        throw new Error('still busy');
      },
    };
    const report = await reap(ledger, async (k) => k === 'open', releasers);
    expect(order).toEqual(['l', 'f']);
    expect(report.skippedOpenRuns).toEqual(['open']);
    expect(report.failed.map((f) => f.error)).toEqual(['still busy']);
    expect((await ledger.list('closed')).map((e) => e.kind)).toEqual(['vm']);
    expect((await ledger.list('open')).map((e) => e.kind)).toEqual(['loop']);
  });
});
