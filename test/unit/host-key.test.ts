import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { Ledger } from '../../activities/ledger/ledger';
import { reap } from '../../activities/ledger/reaper';
import { hostKeyOf, RunKey } from '../../common/schemas';

// A run's name on its host (ledger/run dirs, QEMU argv) from any workflow id.
describe('hostKeyOf', () => {
  it('keeps an id that is a safe key already (every run recorded before it)', () => {
    for (const id of ['e2e-matrix-278fa4f0.xfs.k0.s1', 'fsto-run-abc_1', 'a']) expect(hostKeyOf(id)).toBe(id);
  });

  it("makes a safe, stable, distinct key of a Schedule's id and of anything a user or the UI types", () => {
    const night = 'nightly-2026-12-03T07:08:07Z';
    const ids = [
      night,
      `${night}.xfs.k0.s1`,
      'nightly-2026-12-04T07:08:07Z',
      'a/b c',
      'a:b',
      'a_b-x', // safe: kept, and never the key of 'a:b'
      '..',
      '.',
      'x/../../etc',
      'ü'.repeat(300),
      '',
    ];
    const keys = ids.map(hostKeyOf);
    for (const k of keys) expect(RunKey.safeParse(k).success, k).toBe(true);
    expect(new Set(keys).size).toBe(ids.length);
    expect(hostKeyOf(night)).toBe(keys[0]); // stable: the workflow and its host compute it apart
    // Readable: the id's own characters first (the UI and a person find it under ledger/ and runs/).
    expect(keys[0]).toMatch(/^nightly-2026-12-03T07_08_07Z-[0-9a-f]{16}$/);
    expect(keys[1]).toMatch(/^nightly-2026-12-03T07_08_07Z\.xfs\.k0\.s1-[0-9a-f]{16}$/);
    expect(keys[9]!.length).toBeLessThanOrEqual(200);
  });
});

describe('the reaper and a run key made of an unsafe id', () => {
  it('asks the server about the workflow id, not the key', async () => {
    const ledger = new Ledger(await mkdtemp(join(tmpdir(), 'fsto-ledger-')));
    const open = 'nightly-2026-12-03T07:08:07Z.xfs.k0.s0';
    const closed = 'nightly-2026-12-03T07:08:07Z.xfs.k0.s1';
    for (const id of [open, closed]) {
      await ledger.setWorkflowId(hostKeyOf(id), id);
      await ledger.record(hostKeyOf(id), 'loop', { device: id });
    }
    await ledger.record('plain-run', 'loop', { device: 'p' }); // no record: the key is the id
    const asked: string[] = [];
    const released: string[] = [];
    const report = await reap(
      ledger,
      async (id) => {
        asked.push(id);
        return id === open;
      },
      { loop: async (e) => void released.push(String(e.data.device)) },
    );
    expect(asked.sort()).toEqual([closed, open, 'plain-run'].sort());
    expect(released.sort()).toEqual([closed, 'p'].sort());
    expect(report.skippedOpenRuns).toEqual([hostKeyOf(open)]);
    expect(await ledger.workflowIdOf(hostKeyOf(open))).toBe(open);
    expect(await ledger.runs()).toEqual([hostKeyOf(open)]); // the closed ones' dirs are gone
  });
});
