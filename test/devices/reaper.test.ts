import { spawn } from 'node:child_process';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { reapDevices } from '../../activities/devices/activities';
import { deviceReleasers, detachLoop } from '../../activities/devices/release';
import { Ledger } from '../../activities/ledger/ledger';
import { reap, type Releasers } from '../../activities/ledger/reaper';
import { run, runOk } from '../../activities/process';
import { makeIsRunOpen } from '../../workers/run-status';
import { connect } from '../helpers/temporal';
import { imagesUnder, loopsUnder, mountsUnder, testState, type TestState } from '../../kit/devices';

const states: TestState[] = [];
afterEach(async () => {
  for (const s of states.splice(0)) await s.cleanup();
});
const fresh = async () => {
  const s = await testState();
  states.push(s);
  return s;
};
const here = fileURLToPath(new URL('.', import.meta.url));
const tsxLoader = fileURLToPath(new URL('../../node_modules/tsx/dist/loader.mjs', import.meta.url));

describe('reaper (real loop devices, real Temporal)', () => {
  it('releases everything a setup killed with SIGKILL half way left behind', async () => {
    const s = await fresh();
    // node itself, not npx: SIGKILL must hit the process that holds the devices.
    const child = spawn(
      process.execPath,
      ['--import', tsxLoader, join(here, 'setup-child.ts'), s.stateDir, 'killed-run'],
      {
        stdio: ['ignore', 'pipe', 'inherit'],
      },
    );
    const exited = new Promise((r) => child.on('exit', (code, signal) => r(signal ?? code)));
    for await (const line of createInterface({ input: child.stdout })) {
      if (line === 'progress 4') break; // four of seven devices attached: half way
      expect(line).not.toBe('done');
    }
    child.kill('SIGKILL');
    expect(await exited).toBe('SIGKILL');

    const ledger = new Ledger(join(s.stateDir, 'ledger'));
    expect((await ledger.list('killed-run')).length).toBeGreaterThan(4);
    expect((await loopsUnder(s.stateDir)).size).toBe(4);
    expect(await mountsUnder(s.stateDir)).toHaveLength(1);

    // Temporal answers "is killed-run open?": no workflow has that id, so it is closed.
    const { client, close } = await connect();
    try {
      const report = await reapDevices(s.deps, makeIsRunOpen(client.workflow));
      expect(report.failed).toEqual([]);
      expect(report.released.length).toBeGreaterThan(4);
    } finally {
      await close();
    }
    expect(await loopsUnder(s.stateDir)).toEqual(new Map());
    expect(await mountsUnder(s.stateDir)).toEqual([]);
    expect(await imagesUnder(s.stateDir)).toEqual([]);
    expect(await ledger.runs()).toEqual([]);
  });

  it('finds a loop device recorded before losetup returned by its backing file, and keeps open runs', async () => {
    const s = await fresh();
    const ledger = new Ledger(join(s.stateDir, 'ledger'));
    const file = join(s.stateDir, 'runs', 'crashed', 'devices', 'test.img');
    await runOk(['mkdir', '-p', join(s.stateDir, 'runs', 'crashed', 'devices')]);
    await ledger.record('crashed', 'backing-file', { path: file });
    await writeFile(file, '');
    await runOk(['truncate', '--size', '16M', file]);
    await ledger.record('crashed', 'loop', { backingFile: file }); // no device: we died right here
    const device = await runOk(['losetup', '--find', '--show', file]);
    await ledger.record('open-run', 'backing-file', {
      path: join(s.stateDir, 'runs', 'open-run', 'devices', 'x.img'),
    });

    const report = await reapDevices(s.deps, async (k) => k === 'open-run');
    expect(report.skippedOpenRuns).toEqual(['open-run']);
    expect(report.failed).toEqual([]);
    expect((await loopsUnder(s.stateDir)).has(device)).toBe(false);
    expect(await imagesUnder(s.stateDir)).toEqual([]);
    expect((await ledger.list('open-run')).length).toBe(1);
  });

  it('refuses ledger entries that point outside their run, and foreign mounts at the tmpfs path', async () => {
    const s = await fresh();
    const ledger = new Ledger(join(s.stateDir, 'ledger'));
    const rel = deviceReleasers(s.deps);
    const victim = join(s.stateDir, 'victim.img');
    await writeFile(victim, 'keep me');
    const bad = await ledger.record('evil', 'backing-file', { path: victim });
    await expect(rel['backing-file']!(bad)).rejects.toThrow(/outside .*refusing to touch it/);
    const other = await ledger.record('evil', 'loop', {
      backingFile: join(s.stateDir, 'runs', 'other', 'devices', 'a.img'),
    });
    await expect(rel.loop!(other)).rejects.toThrow(/outside/);
    const dotdot = await ledger.record('evil', 'tmpfs', {
      mountpoint: join(s.stateDir, 'runs', 'evil', '..', 'x'),
    });
    await expect(rel.tmpfs!(dotdot)).rejects.toThrow(/outside/);
    expect(await imagesUnder(s.stateDir)).toEqual([victim]);

    const mp = join(s.stateDir, 'runs', 'evil', 'tmpfs');
    await runOk(['mkdir', '-p', mp]);
    await runOk(['mount', '-t', 'tmpfs', '-o', 'size=1M', 'someone-else', mp]);
    const entry = await ledger.record('evil', 'tmpfs', { mountpoint: mp });
    await expect(rel.tmpfs!(entry)).rejects.toThrow(/not ours: refusing to unmount it/);
    expect(await mountsUnder(s.stateDir)).toEqual([mp]);
    await run(['umount', mp]);
  });

  it('with a scope, judges only runs of its own server+namespace (and unowned ones only when asked)', async () => {
    const s = await fresh();
    const ledger = new Ledger(join(s.stateDir, 'ledger'));
    const me = { clusterId: 'cluster-a', namespace: 'default', address: '127.0.0.1:7233' };
    const owners = {
      mine: me,
      'other-server': { clusterId: 'cluster-b', namespace: 'default' },
      'other-namespace': { clusterId: 'cluster-a', namespace: 'nightly' },
    };
    for (const [run, owner] of Object.entries(owners)) {
      await ledger.setOwner(run, owner);
      await ledger.record(run, 'slot', {}); // claimed first, as claimHost does
      await ledger.record(run, 'vm', { pid: 0 });
    }
    await ledger.record('unowned', 'vm', { pid: 0 });
    const asked: string[] = [];
    const released: string[] = [];
    const releasers: Releasers = {
      vm: async (e) => void released.push(`${e.runKey}:vm`),
      slot: async (e) => void released.push(`${e.runKey}:slot`),
    };
    // This server knows none of them: to it, every run is "not found", i.e. closed.
    const unknown = async (k: string) => (asked.push(k), false);

    const periodic = await reap(ledger, unknown, releasers, { owner: me, unowned: false });
    expect(asked).toEqual(['mine']);
    expect(released).toEqual(['mine:vm', 'mine:slot']);
    expect(periodic.skippedForeignRuns.sort()).toEqual(['other-namespace', 'other-server', 'unowned']);

    const atStart = await reap(ledger, unknown, releasers, { owner: me, unowned: true });
    expect(released).toEqual(['mine:vm', 'mine:slot', 'unowned:vm']);
    expect(atStart.skippedForeignRuns.sort()).toEqual(['other-namespace', 'other-server']);
    expect((await ledger.runs()).sort()).toEqual(['other-namespace', 'other-server']);
    expect(await ledger.owner('other-server')).toEqual(owners['other-server']);
  });

  it('keeps a run’s VM slot while any of its resources could not be released', async () => {
    const s = await fresh();
    const ledger = new Ledger(join(s.stateDir, 'ledger'));
    await ledger.record('leaky', 'slot', {});
    await ledger.record('leaky', 'vm', { pid: 0 });
    const report = await reap(ledger, async () => false, {
      vm: async () => Promise.reject(new Error('still running')),
      slot: async () => {},
    });
    expect(report.failed.map((f) => f.entry.kind)).toEqual(['vm']);
    expect((await ledger.list('leaky')).map((e) => e.kind)).toEqual(['slot', 'vm']);
  });

  it('retries losetup --detach on EBUSY with backoff (the udev race)', async () => {
    // No udevd runs on this host, so the race cannot be provoked for real: losetup's answers
    // are scripted here, and nothing is attached.
    const calls: string[] = [];
    const sleeps: number[] = [];
    let detaches = 0;
    await detachLoop('/dev/loop99', '/nonexistent/f.img', {
      stateDir: '/nonexistent',
      sleep: async (ms) => void sleeps.push(ms),
      exec: async (argv) => {
        calls.push(argv.join(' '));
        if (argv[1] === '--detach' && ++detaches < 4) {
          return {
            exitCode: 1,
            stdout: '',
            stderr: 'losetup: /dev/loop99: detach failed: Device or resource busy',
          };
        }
        return { exitCode: 0, stdout: '', stderr: '' };
      },
    });
    expect(calls.filter((c) => c.startsWith('losetup --detach'))).toEqual(
      Array(4).fill('losetup --detach /dev/loop99'),
    );
    expect(sleeps.slice(0, 3)).toEqual([50, 100, 200]);
  });
});
