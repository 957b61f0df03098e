import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { Command } from 'commander';
import { Connection } from '@temporalio/client';
import { afterEach, beforeEach, describe, expect, inject, it, vi } from 'vitest';
import { Ledger } from '../../activities/ledger/ledger';
import { serverOwner } from '../../activities/ledger/owner';
import { registerDevicesCommand } from '../../client/commands/devices';
import { planOnHost } from '../../activities/devices/activities';
import { setupDevices } from '../../activities/devices/setup';
import { loopsUnder, testState, type TestState } from '../../kit/devices';

// `fsto devices plan|reap` through commander, in process; FSTO_STATE_DIR points at the test's dir.

let s: TestState;
let out: string[];
let err: string[];
beforeEach(async () => {
  s = await testState();
  process.env.FSTO_STATE_DIR = s.stateDir;
  process.exitCode = undefined;
  out = [];
  err = [];
  vi.spyOn(console, 'log').mockImplementation((...a: unknown[]) => void out.push(a.join(' ')));
  vi.spyOn(console, 'error').mockImplementation((...a: unknown[]) => void err.push(a.join(' ')));
});
afterEach(async () => {
  vi.restoreAllMocks();
  process.exitCode = undefined;
  delete process.env.FSTO_STATE_DIR;
  await s.cleanup();
});

async function fsto(...args: string[]): Promise<number> {
  process.exitCode = undefined;
  const program = new Command('fsto').exitOverride();
  registerDevicesCommand(program);
  await program.parseAsync(['node', 'fsto', ...args]);
  return Number(process.exitCode ?? 0);
}

describe('fsto devices', () => {
  it('plan --json prints the devices with name, envVar, guestDevice, source and size, creating nothing', async () => {
    expect(await fsto('devices', 'plan', '--profile', 'fstests_small', '--json')).toBe(0);
    const plan = JSON.parse(out.join('\n')) as {
      devices: Record<string, unknown>[];
      env: Record<string, string>;
    };
    expect(plan.devices[0]).toMatchObject({
      name: 'test',
      envVar: 'TEST_DEV',
      guestDevice: '/dev/vda',
      source: 'file',
      size: '5G',
    });
    expect(plan.env.SCRATCH_DEV_POOL).toBe('/dev/vdb /dev/vdc /dev/vdd /dev/vde /dev/vdf');
    // --tmpfs on a spec file; the CLI uses the host's real tmpfs budget (half its memory).
    const spec = join(s.stateDir, 'small.json');
    await writeFile(spec, JSON.stringify({ devices: [{ name: 't', size: '64M', envVar: 'TEST_DEV' }] }));
    out.length = 0;
    expect(await fsto('devices', 'plan', '--spec', spec, '--tmpfs', '--json')).toBe(0);
    expect(JSON.parse(out.join('\n'))).toMatchObject({
      devices: [{ name: 't', source: 'tmpfs' }],
      tmpfsBytes: 64 * 2 ** 20,
    });
    expect(await loopsUnder(s.stateDir)).toEqual(new Map());
  });

  it('plan reads --spec, refuses a bad one with exit 2 naming the field, and plans a good one in text', async () => {
    const bad = join(s.stateDir, 'bad.json');
    await writeFile(
      bad,
      JSON.stringify({ devices: [{ name: 'x;y', size: '10G', envVar: 'TEST_DEV', sise: 1 }] }),
    );
    expect(await fsto('devices', 'plan', '--spec', bad)).toBe(2);
    expect(err.join('\n')).toMatch(
      /devices\.0\.name: use 1-64[\s\S]*devices\.0\.sise: unknown field; did you mean "size"/,
    );
    const good = join(s.stateDir, 'good.json');
    await writeFile(good, JSON.stringify({ devices: [{ name: 't', size: '2G', envVar: 'TEST_DEV' }] }));
    expect(await fsto('devices', 'plan', '--spec', good)).toBe(0);
    expect(out.join('\n')).toMatch(/\/dev\/vda {2}t .*TEST_DEV .*2G sparse file on disk/);
    expect(await fsto('devices', 'plan', '--spec', good, '--profile', 'fstests_small')).toBe(2);
    expect(await fsto('devices', 'plan', '--spec', join(s.stateDir, 'missing.json'))).toBe(2);
  });

  it('reap --assume-closed releases what the ledger holds; without a reachable server it releases nothing', async () => {
    const plan = await planOnHost(s.deps, { profile: 'fstests_small' });
    await setupDevices(s.deps, { runKey: 'left-behind', plan });
    expect(await fsto('devices', 'reap', '--address', '127.0.0.1:1')).toBe(3);
    expect(err.join()).toMatch(/cannot reach Temporal .*--assume-closed.*Nothing was released/);
    expect((await loopsUnder(s.stateDir)).size).toBe(7);
    expect(await fsto('devices', 'reap', '--assume-closed')).toBe(0);
    expect(out.join('\n')).toMatch(/reaped 14 device resource\(s\); 0 left/);
    expect(await loopsUnder(s.stateDir)).toEqual(new Map());
  });

  it('reap judges only the runs of the server it asks, and names the ones it skipped and why', async () => {
    const address = inject('temporalAddress');
    const conn = await Connection.connect({ address });
    const mine = await serverOwner(conn, 'default', address);
    await conn.close();
    const theirs = { clusterId: 'another-cluster', namespace: 'default', address: '10.0.0.9:7233' };
    const ledger = new Ledger(join(s.stateDir, 'ledger'));
    const plan = await planOnHost(s.deps, {
      devices: [{ name: 'test', size: '64M', envVar: 'TEST_DEV' }],
    });
    // Owners named after setup, which starts by clearing what an earlier attempt left.
    await setupDevices(s.deps, { runKey: 'ours-closed', plan });
    await ledger.setOwner('ours-closed', mine);
    await setupDevices(s.deps, { runKey: 'theirs-live', plan });
    await ledger.setOwner('theirs-live', theirs);
    expect((await loopsUnder(s.stateDir)).size).toBe(2);

    expect(await fsto('devices', 'reap', '--address', address)).toBe(0);
    // This server does not know either run: only its own is judged (closed), the other is kept.
    expect(await ledger.runs()).toEqual(['theirs-live']);
    const left = [...(await loopsUnder(s.stateDir)).values()];
    expect(left).toHaveLength(1);
    expect(left[0]).toContain('/theirs-live/');
    expect(out.join('\n')).toContain(
      `skipped theirs-live: owned by server another-cluster (10.0.0.9:7233), namespace default, not server ${mine.clusterId} (${address}), namespace default`,
    );
    expect(await fsto('devices', 'reap', '--assume-closed')).toBe(0);
    expect(await loopsUnder(s.stateDir)).toEqual(new Map());
  });
});
