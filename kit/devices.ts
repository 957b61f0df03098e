import { existsSync } from 'node:fs';
import { mkdtemp, readFile, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createAudit } from '../activities/audit';
import { deviceDeps, type DeviceActivityDeps } from '../activities/devices/activities';
import { parseLosetupJson } from '../activities/devices/argv';
import { releaseDeviceRun } from '../activities/devices/release';
import type { DeviceDeps } from '../activities/devices/setup';
import { Ledger } from '../activities/ledger/ledger';
import { run, runOk } from '../activities/process';
import { GiB } from '../common/schemas';

// Real loop devices, as root. Every helper looks only at paths under the test's own state dir:
// other tests and processes may attach loop devices on this host at the same time.

/** The loop devices whose backing file lies under dir (test's own), as device → file. */
export async function loopsUnder(dir: string): Promise<Map<string, string>> {
  const list = parseLosetupJson(await runOk(['losetup', '--list', '--json', '--output', 'NAME,BACK-FILE']));
  return new Map(list.filter((l) => l.backFile.startsWith(dir + '/')).map((l) => [l.name, l.backFile]));
}

export async function mountsUnder(dir: string): Promise<string[]> {
  const out = await runOk(['findmnt', '--json', '--list', '--output', 'TARGET']);
  const fss = (JSON.parse(out) as { filesystems: { target: string }[] }).filesystems;
  return fss.map((f) => f.target).filter((t) => t.startsWith(dir + '/'));
}

export async function imagesUnder(dir: string): Promise<string[]> {
  if (!existsSync(dir)) return [];
  const entries = await readdir(dir, { recursive: true });
  return entries.filter((e) => e.endsWith('.img')).map((e) => join(dir, e));
}

export interface TestState {
  deps: DeviceDeps;
  stateDir: string;
  /** Release every run in the ledger, then (belt and braces) anything left under stateDir. */
  cleanup(): Promise<void>;
}

/**
 * A state dir of the test's own. The sparse files cost nothing until written and these tests
 * write nothing, so tests lift the tmpfs budget to the 50 GiB limit unless they say otherwise.
 */
export async function testState(over: Partial<DeviceActivityDeps> = {}): Promise<TestState> {
  const dir = await mkdtemp(join(tmpdir(), 'fsto-dev-test-'));
  const deps = deviceDeps({
    stateDir: dir,
    tmpfsBudgetBytes: 50 * GiB,
    ...over,
    audit: over.audit ?? quietAudit(dir),
  });
  return {
    deps,
    stateDir: deps.stateDir,
    async cleanup() {
      const ledger = new Ledger(join(deps.stateDir, 'ledger'));
      for (const runKey of await ledger.runs()) await releaseDeviceRun(deps, runKey).catch(() => undefined);
      for (const dev of (await loopsUnder(deps.stateDir)).keys()) await run(['losetup', '--detach', dev]);
      for (const m of (await mountsUnder(deps.stateDir)).reverse()) await run(['umount', m]);
      await rm(deps.stateDir, { recursive: true, force: true });
    },
  };
}

/** The audit trail written to the file only (stderr stays readable in test output). */
function quietAudit(dir: string) {
  return createAudit(dir, { stderr: false });
}

/** A loop device created the plain way, outside fsto: it must never be touched by us. */
export async function foreignLoop(
  dir: string,
): Promise<{ device: string; file: string; detach(): Promise<void> }> {
  const file = join(dir, 'foreign.img');
  await runOk(['truncate', '--size', '64M', file]);
  const device = (await runOk(['losetup', '--find', '--show', file])).trim();
  return {
    device,
    file,
    async detach() {
      await run(['losetup', '--detach', device]);
      await rm(file, { force: true });
    },
  };
}

export async function auditLines(stateDir: string): Promise<Record<string, unknown>[]> {
  const text = await readFile(join(stateDir, 'audit.log'), 'utf8').catch(() => '');
  return text
    .split('\n')
    .filter(Boolean)
    .map((l) => JSON.parse(l) as Record<string, unknown>);
}
