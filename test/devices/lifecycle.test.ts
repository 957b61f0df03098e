import { existsSync, statSync, statfsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { basename } from 'node:path';
import { CancelledFailure } from '@temporalio/common';
import { MockActivityEnvironment } from '@temporalio/testing';
import { afterEach, describe, expect, it } from 'vitest';
import { createDeviceActivities, planOnHost, reapDevices } from '../../activities/devices/activities';
import { releaseDeviceRun } from '../../activities/devices/release';
import { setupDevices } from '../../activities/devices/setup';
import { Ledger } from '../../activities/ledger/ledger';
import { run } from '../../activities/process';
import { FstoError } from '../../common/errors';
import { GiB, type DeviceProfileName } from '../../common/schemas';
import {
  auditLines,
  foreignLoop,
  imagesUnder,
  loopsUnder,
  mountsUnder,
  testState,
  type TestState,
} from '../../kit/devices';

// Real loop devices, real tmpfs mounts, as root.

const states: TestState[] = [];
const fresh = async (...a: Parameters<typeof testState>) => {
  const s = await testState(...a);
  states.push(s);
  return s;
};
afterEach(async () => {
  for (const s of states.splice(0)) {
    await s.cleanup();
    expect(await loopsUnder(s.stateDir)).toEqual(new Map());
  }
});

const sysSize = async (dev: string) =>
  Number(await readFile(`/sys/class/block/${basename(dev)}/size`, 'utf8')) * 512;

describe('device lifecycle (real loop devices)', () => {
  for (const [profile, useTmpfs] of [
    ['fstests_default', false],
    ['fstests_small', false],
    ['fstests_large', false],
    ['fstests_small', true],
  ] as [DeviceProfileName, boolean][]) {
    it(`${profile}${useTmpfs ? ' on tmpfs' : ''}: devices exist while held and are gone after release`, async () => {
      const s = await fresh();
      const plan = await planOnHost(s.deps, { profile, useTmpfs });
      const held = await setupDevices(s.deps, { runKey: `life-${profile}`, plan });

      const loops = await loopsUnder(s.stateDir);
      expect(loops.size).toBe(7);
      expect(held.devices.map((d) => d.guestDevice)).toEqual(plan.devices.map((d) => d.guestDevice));
      for (const [i, d] of held.devices.entries()) {
        expect(statSync(d.hostPath).isBlockDevice()).toBe(true);
        expect(await sysSize(d.hostPath)).toBe(plan.devices[i]!.sizeBytes);
        expect(loops.get(d.hostPath)).toMatch(
          new RegExp(`/${useTmpfs ? 'tmpfs' : 'devices'}/${d.name}\\.img$`),
        );
      }
      expect(held.env).toEqual(plan.env);
      expect(await mountsUnder(s.stateDir)).toHaveLength(useTmpfs ? 1 : 0);

      await releaseDeviceRun(s.deps, `life-${profile}`);
      await releaseDeviceRun(s.deps, `life-${profile}`); // idempotent
      expect(await loopsUnder(s.stateDir)).toEqual(new Map());
      expect(await mountsUnder(s.stateDir)).toEqual([]);
      expect(await imagesUnder(s.stateDir)).toEqual([]);
      for (const d of held.devices) expect((await loopsUnder(s.stateDir)).has(d.hostPath)).toBe(false);
      expect(await new Ledger(`${s.stateDir}/ledger`).list(`life-${profile}`)).toEqual([]);

      const audit = await auditLines(s.stateDir);
      const count = (action: string, kind: string) =>
        audit.filter((a) => a.action === action && a.kind === kind && a.runKey === `life-${profile}`).length;
      expect([count('create', 'loop'), count('release', 'loop')]).toEqual([7, 7]);
      expect([count('create', 'backing-file'), count('release', 'backing-file')]).toEqual([7, 7]);
      expect([count('create', 'tmpfs'), count('release', 'tmpfs')]).toEqual(useTmpfs ? [1, 1] : [0, 0]);
    });
  }

  it('warns, not refuses, when sparse files exceed the free space', async () => {
    const s = await fresh();
    const free = statfsFree(s.stateDir);
    const plan = await planOnHost(s.deps, { profile: 'fstests_large' });
    if (free < 350 * GiB) expect(plan.warnings.join()).toMatch(/sparse backing files total 350 GiB/);
    else expect(plan.warnings).toEqual([]);
  });

  it("refuses tmpfs beyond the host's budget (HostUnsuitable) and creates nothing", async () => {
    const s = await fresh({ tmpfsBudgetBytes: 1 * GiB });
    const err = await planOnHost(s.deps, { profile: 'fstests_small', useTmpfs: true }).catch(
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(FstoError);
    expect((err as FstoError).type).toBe('HostUnsuitable');
    expect((err as Error).message).toMatch(/useTmpfs: .*35 GiB.*budget of 1 GiB/);
    expect(existsSync(`${s.stateDir}/runs`)).toBe(false);
  });

  it('leaves a loop device that existed before untouched through setup, release and reap', async () => {
    const s = await fresh();
    const foreign = await foreignLoop(s.stateDir.replace(/\/[^/]+$/, ''));
    try {
      const plan = await planOnHost(s.deps, { profile: 'fstests_small' });
      const held = await setupDevices(s.deps, { runKey: 'beside-foreign', plan });
      expect(held.devices.map((d) => d.hostPath)).not.toContain(foreign.device);
      await releaseDeviceRun(s.deps, 'beside-foreign');
      await reapDevices(s.deps, async () => false);
      const still = await run(['losetup', '--list', '--json', '--output', 'NAME,BACK-FILE', foreign.device]);
      expect(still.stdout).toContain(foreign.file);
    } finally {
      await foreign.detach();
    }
  });

  it('four concurrent setups get distinct devices and files and release all of them', async () => {
    const s = await fresh();
    const plan = await planOnHost(s.deps, { profile: 'fstests_small' });
    const keys = ['conc-1', 'conc-2', 'conc-3', 'conc-4'];
    const held = await Promise.all(keys.map((runKey) => setupDevices(s.deps, { runKey, plan })));
    const devices = held.flatMap((h) => h.devices.map((d) => d.hostPath));
    expect(new Set(devices).size).toBe(28);
    const loops = await loopsUnder(s.stateDir);
    expect(new Set([...loops.values()]).size).toBe(28);
    for (const [i, h] of held.entries()) {
      for (const d of h.devices) expect(loops.get(d.hostPath)).toContain(`/runs/${keys[i]}/`);
    }
    await Promise.all(keys.map((k) => releaseDeviceRun(s.deps, k)));
    expect(await loopsUnder(s.stateDir)).toEqual(new Map());
    expect(await imagesUnder(s.stateDir)).toEqual([]);
  });

  it('attaches read-only size devices read-only, passes an existing block device through and never detaches it', async () => {
    const s = await fresh();
    const foreign = await foreignLoop(s.stateDir.replace(/\/[^/]+$/, ''));
    try {
      const plan = await planOnHost(s.deps, {
        devices: [
          { name: 't', size: '64M', envVar: 'TEST_DEV' },
          { name: 'ro', size: '8M', readonly: true },
          { name: 'given', path: foreign.device, requireEmpty: true },
        ],
      });
      const held = await setupDevices(s.deps, { runKey: 'mixed', plan });
      expect(held.devices.map((d) => [d.name, d.readonly])).toEqual([
        ['t', false],
        ['ro', true],
        ['given', false],
      ]);
      expect(held.devices[2]!.hostPath).toBe(foreign.device);
      const ro = await readFile(`/sys/class/block/${basename(held.devices[1]!.hostPath)}/ro`, 'utf8');
      expect(ro.trim()).toBe('1');
      await releaseDeviceRun(s.deps, 'mixed');
      const still = await run(['losetup', '--list', '--json', '--output', 'NAME,BACK-FILE', foreign.device]);
      expect(still.stdout).toContain(foreign.file);
    } finally {
      await foreign.detach();
    }
  });

  it('releases what it created when cancelled half way (activity, heartbeats)', async () => {
    const s = await fresh();
    const acts = createDeviceActivities({ stateDir: s.stateDir, tmpfsBudgetBytes: 50 * GiB });
    const plan = await acts.planDevices({ spec: { profile: 'fstests_small', useTmpfs: true } });
    // MockActivityEnvironment stands in for the Temporal server's activity context; the devices are real.
    const env = new MockActivityEnvironment();
    const beats: unknown[] = [];
    env.on('heartbeat', (d: { done: number }) => {
      beats.push(d);
      if (d.done === 3) env.cancel();
    });
    const err = await env.run(acts.setupDevices, { runKey: 'cancelled', plan }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(CancelledFailure);
    expect(beats.length).toBe(4);
    expect(await loopsUnder(s.stateDir)).toEqual(new Map());
    expect(await mountsUnder(s.stateDir)).toEqual([]);
    expect(await imagesUnder(s.stateDir)).toEqual([]);
  });

  it('releases what it created when a step fails half way, and reports the failure', async () => {
    const s = await fresh();
    let attaches = 0;
    const deps = {
      ...s.deps,
      // The third attach fails as if the kernel ran out of loop devices; everything else is real.
      exec: async (argv: readonly string[]) =>
        argv[0] === 'losetup' && argv[1] === '--find' && ++attaches === 3
          ? { exitCode: 1, stdout: '', stderr: 'losetup: cannot find an unused loop device' }
          : run(argv),
    };
    const plan = await planOnHost(deps, { profile: 'fstests_small' });
    await expect(setupDevices(deps, { runKey: 'fails', plan })).rejects.toThrow(/unused loop device/);
    expect(await loopsUnder(s.stateDir)).toEqual(new Map());
    expect(await imagesUnder(s.stateDir)).toEqual([]);
    expect(await new Ledger(`${s.stateDir}/ledger`).list('fails')).toEqual([]);
  });
});

function statfsFree(dir: string): number {
  const st = statfsSync(dir);
  return st.bavail * st.bsize;
}
