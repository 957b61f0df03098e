import { realpathSync } from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';
import { totalmem } from 'node:os';
import { Context } from '@temporalio/activity';
import type { DevicePlan, DeviceSetSpecInput, HeldDevices } from '../../common/schemas';
import { createAudit, type Audit } from '../audit';
import { Ledger } from '../ledger/ledger';
import { reap, type ReapReport, type ReapScope, type RunVerdict } from '../ledger/reaper';
import { planDeviceSet, runPaths } from './plan';
import { deviceReleasers } from './release';
import { setupDevices, type DeviceDeps } from './setup';
import { checkHost, type Exec } from './validate';
import { HostConfigError, loadHostConfig } from '../host/allow';
import { ApplicationFailure } from '@temporalio/common';
import { HOST_UNSUITABLE } from '../../common/errors';
import { translated } from '../failures';

export interface DeviceActivityDeps {
  stateDir: string;
  /** Default: half the host's memory, as probeCapabilities advertises. */
  tmpfsBudgetBytes?: number;
  audit?: Audit;
  exec?: Exec;
  sysfsRoot?: string;
}

/** realpath of the longest existing prefix, the rest appended: canonical without creating anything. */
function canonicalPath(p: string): string {
  const abs = resolve(p);
  try {
    return realpathSync(abs);
  } catch {
    const parent = dirname(abs);
    return parent === abs ? abs : join(canonicalPath(parent), basename(abs));
  }
}

/** Fill in defaults; the state dir is made canonical (the kernel records canonical paths). */
export function deviceDeps(d: DeviceActivityDeps): DeviceDeps {
  const stateDir = canonicalPath(d.stateDir);
  return {
    ...d,
    stateDir,
    tmpfsBudgetBytes: d.tmpfsBudgetBytes ?? Math.floor(totalmem() / 2),
    audit: d.audit ?? createAudit(stateDir),
  };
}

/** All validation, host checks included; touches nothing. */
export async function planOnHost(deps: DeviceDeps, spec: unknown): Promise<DevicePlan> {
  const plan = planDeviceSet(spec);
  const allow = await loadHostConfig(deps.stateDir).catch((err: unknown) => {
    if (err instanceof HostConfigError) throw ApplicationFailure.nonRetryable(err.message, HOST_UNSUITABLE);
    throw err;
  });
  return checkHost(plan, { ...deps, allow });
}

/**
 * The reaper for devices (`fsto devices reap`): releases device entries of every run that is no
 * longer open or moved to another host. With a scope, as the worker's reaper: only runs of that
 * server+namespace (and unowned ones) are judged, the rest are skipped.
 */
export async function reapDevices(
  deps: DeviceDeps,
  isRunOpen: (runKey: string) => Promise<RunVerdict>,
  scope?: ReapScope,
): Promise<ReapReport> {
  const ledger = new Ledger(runPaths(deps.stateDir, '_').ledgerRoot);
  return reap(ledger, isRunOpen, deviceReleasers(deps), scope, deviceReleasers(deps));
}

export function createDeviceActivities(input: DeviceActivityDeps) {
  const deps = deviceDeps(input);
  return translated({
    /** Validate (schema + host) and plan; throws non-retryable InvalidSpec / HostUnsuitable. */
    async planDevices(args: { spec: DeviceSetSpecInput }): Promise<DevicePlan> {
      return planOnHost(deps, args.spec);
    },

    /** Create the devices (ledger first), heartbeating per device; on cancel/error release. */
    async setupDevices(args: { runKey: string; plan: DevicePlan }): Promise<HeldDevices> {
      const ctx = Context.current();
      return setupDevices(deps, args, {
        heartbeat: (details) => ctx.heartbeat(details),
        signal: ctx.cancellationSignal,
      });
    },
  });
}

export type DeviceActivities = ReturnType<typeof createDeviceActivities>;
