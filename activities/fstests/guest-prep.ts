import { readFile } from 'node:fs/promises';
import type { BatchInput, BatchPhase, CrashReport } from '../../common/schemas';
import { FstoError, GUEST_SETUP_FAILED, INVALID_SPEC, LISTING_FAILED } from '../../common/errors';
import { HostConfigError, readAllowed, type HostConfig } from '../host/allow';
import type { ExecOptions } from '../vm/exec';
import type { Vm } from '../vm/vm';
import { listArgv, parseListing, type CheckSelection } from './check-argv';
import { DEFAULT_SECTION, dirsToCreate, renderLocalConfig, testDevMkfsSteps } from './config';
import { passThroughConfig } from './config-passthrough';
import { GUEST, type BatchLayout } from './guest-layout';

// What a batch does in a fresh guest before `check` runs its tests.

export type GuestExec = (argv: string[], o: Omit<ExecOptions, 'cwd' | 'env'>) => ReturnType<Vm['exec']>;

/** The section `check -s` must name: the user's, or ours in a generated config. */
export function sectionOf(input: Pick<BatchInput, 'section' | 'configFile'>): string | undefined {
  return input.section ?? (input.configFile ? undefined : DEFAULT_SECTION);
}

/**
 * local.config for the batch: generated, or the user's file with only our paths added (read where
 * this host allows, checked on the file opened, when `host` is given: a worker's batch).
 */
export async function configText(
  input: BatchInput,
  layout: BatchLayout,
  host?: HostConfig & { file: string },
): Promise<string> {
  const dirs = { testDir: GUEST.testDir, scratchMnt: GUEST.scratchMnt, resultBase: layout.guestResultBase };
  if (input.configFile) {
    const path = input.configFile;
    const text = await (host ? readAllowed(host, 'configFile', path) : readFile(path, 'utf8')).catch(
      (err) => {
        if (err instanceof HostConfigError) throw new FstoError(err.message, INVALID_SPEC);
        throw err;
      },
    );
    return passThroughConfig({ text, section: input.section, deviceEnv: input.devices.env, ...dirs });
  }
  return renderLocalConfig({
    fs: input.fs,
    deviceEnv: input.devices.env,
    mkfsOptions: input.mkfsOptions,
    mountOptions: input.mountOptions,
    ...(input.vars ? { extra: input.vars } : {}),
    section: DEFAULT_SECTION,
    ...dirs,
  });
}

/** The kernel panicked (or the VM died) while the guest was being prepared or listing the tests. */
export class GuestCrashed extends Error {
  constructor(
    readonly phase: Extract<BatchPhase, 'prepare' | 'listing'>,
    readonly crash: CrashReport,
  ) {
    super(`the guest crashed during ${phase}: ${crash.signature}`);
  }
}

async function mustSucceed(what: string, p: ReturnType<Vm['exec']>): Promise<string> {
  const r = await p;
  if (r.outcome === 'crashed' && r.crash) throw new GuestCrashed('prepare', r.crash);
  if (r.outcome === 'exited' && r.exitCode === 0) return r.stdoutTail;
  throw new FstoError(
    `${what} failed in the guest (${r.outcome}, exit ${r.exitCode}): ${r.stderrTail.trim() || r.stdoutTail.trim()}`,
    GUEST_SETUP_FAILED,
    { retryable: true },
  );
}

/** Mount points exist, and TEST_DEV holds an FSTYP filesystem (check mounts it as it is). */
export async function prepareGuest(exec: GuestExec, input: BatchInput, layout: BatchLayout): Promise<void> {
  const dirs = dirsToCreate({
    testDir: GUEST.testDir,
    scratchMnt: GUEST.scratchMnt,
    resultBase: layout.guestResultBase,
  });
  await mustSucceed('mkdir', exec(['mkdir', '-p', ...dirs], { timeoutSec: 60 }));
  const testDev = input.devices.env.TEST_DEV;
  if (!testDev || input.configFile) return;
  const r = await exec(['blkid', '-o', 'value', '-s', 'TYPE', testDev], { timeoutSec: 60 });
  if (r.outcome === 'crashed' && r.crash) throw new GuestCrashed('prepare', r.crash);
  if (r.stdoutTail.trim() !== input.fs) {
    for (const argv of testDevMkfsSteps(input.fs, input.devices.env, input.mkfsOptions)) {
      await mustSucceed(`${argv[0]} on TEST_DEV`, exec(argv, { timeoutSec: 600 }));
    }
  }
}

/** `check -n`: the selection's tests in check's order (it sources the config: only in a guest). */
export async function listSelection(exec: GuestExec, sel: CheckSelection): Promise<string[]> {
  const lines: string[] = [];
  const r = await exec(listArgv(sel), { timeoutSec: 900, onLine: (s, l) => s === 'stdout' && lines.push(l) });
  if (r.outcome === 'crashed' && r.crash) throw new GuestCrashed('listing', r.crash);
  if (r.outcome !== 'exited' || r.exitCode !== 0) {
    throw new FstoError(
      `listing the tests (check -n) failed (${r.outcome}, exit ${r.exitCode}): ${r.stderrTail.trim() || r.stdoutTail.trim()}`,
      LISTING_FAILED,
      { retryable: true },
    );
  }
  const listing = parseListing(lines.join('\n'));
  if (listing.unknown.length) {
    throw new FstoError(
      `tests: fstests does not know ${listing.unknown.join(', ')}; check the names (e.g. generic/001)`,
      INVALID_SPEC,
    );
  }
  return listing.tests;
}
