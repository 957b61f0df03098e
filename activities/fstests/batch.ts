import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { Context } from '@temporalio/activity';
import { CancelledFailure } from '@temporalio/common';
import { DEVICE_GONE, FstoError } from '../../common/errors';
import {
  capReason,
  fitReasons,
  type BatchInput,
  type BatchPhase,
  type BatchProgressSignal,
  type BatchResult,
  type CrashReport,
  type TestResult,
} from '../../common/schemas';
import { Beneath } from '../beneath';
import { DeviceGone, resolveHeld } from '../devices/resolve-held';
import type { Ledger } from '../ledger/ledger';
import { releaseRun, type Releasers } from '../ledger/reaper';
import { parseCheckTime } from '../verdicts/checktime';
import { reportDir } from '../verdicts/xunit';
import { runCheck, type CheckRunContext, type CheckRunOutcome } from './check-run';
import { pullEpoch, runPulled, workAhead, type PullClient } from './pull';
import { bootCrashOf, type Vm, type VmDeps } from '../vm/vm';
import { batchLayout } from './guest-layout';
import { GuestCrashed, listSelection, sectionOf } from './guest-prep';
import { openGuest, writeRunConfig } from './open-guest';
import { expectedOf, mergeHistory, readHistory } from './history';
import { BatchJournal } from '../verdicts/journal';
import { ProgressSignals } from './signals';

export interface BatchDeps {
  ledger: Ledger;
  stateDir: string;
  vm: VmDeps;
  /** Releasers by kind: a retried batch kills the VM its dead predecessor left running. */
  releasers: Releasers;
  /** Counters for the worker's Prometheus endpoint. */
  metrics?: { vmBooted(seconds: number, accel: 'kvm' | 'tcg'): void; testFinished(verdict: string): void };
  /** For matrix shards: where the next test comes from. */
  pull?: PullClient;
  /** Tell the workflow how the batch goes (live progress); best effort, coalesced. */
  notify?: (workflowId: string, s: BatchProgressSignal) => Promise<void>;
}

/** What a heartbeat carries: how far the batch got. The verdicts themselves are in the journal. */
export interface BatchBeat {
  label: string;
  done: number;
  counts: Record<string, number>;
  current?: string;
}

/** The guest died before any test: where, and its panic line (capped; the console stays on the host). */
function diedOutside(phase: BatchPhase, crash: CrashReport): Pick<BatchResult, 'ended' | 'phase' | 'crash'> {
  return {
    ended: 'crashed',
    phase,
    crash: { signature: crash.signature, excerpt: capReason(crash.excerpt) },
  };
}

/**
 * One VM boot: boot, prepare the guest, (list the selection,) run `check` on the tests not yet
 * done, and stop the VM whatever happens. Verdicts go to a journal on the host as they come (a
 * retried attempt resumes from it), to the workflow in coalesced signals, and in the result.
 */
export async function runTestBatch(input: BatchInput, deps: BatchDeps): Promise<BatchResult> {
  const ctx = Context.current();
  const journal = new BatchJournal(input.resultsDir, input.label);
  await mkdir(input.resultsDir, { recursive: true });
  // The guest writes the results dir (a share): nothing under it is followed or left (activities/beneath.ts).
  const share = new Beneath(input.resultsDir);
  if (ctx.info.attempt === 1) await journal.reset();
  const finished = ctx.info.attempt > 1 ? await journal.finished() : new Map<string, TestResult>();
  let listed = ctx.info.attempt > 1 ? await journal.listing() : undefined;
  let current: string | undefined;
  const beat = () => {
    const counts: Record<string, number> = {};
    for (const r of finished.values()) counts[r.verdict] = (counts[r.verdict] ?? 0) + 1;
    ctx.heartbeat({ label: input.label, done: finished.size, counts, ...(current ? { current } : {}) });
  };
  // To the run's workflow (its id; input.runKey is its host key, hostKeyOf).
  const workflowId = ctx.info.workflowExecution?.workflowId ?? input.runKey;
  const signals = new ProgressSignals(input.label, deps.notify && ((s) => deps.notify!(workflowId, s)));
  const layout = batchLayout(input, ctx.info.attempt);
  const section = sectionOf(input);
  const ac = new AbortController();
  const onCancel = () => ac.abort();
  ctx.cancellationSignal.addEventListener('abort', onCancel, { once: true });
  let vm: Vm | undefined;
  const result = (
    out: Omit<BatchResult, 'finished' | 'accel' | 'bootSeconds' | 'resultBase'>,
  ): BatchResult => ({
    ...out,
    finished: fitReasons([...finished.values()]),
    ...(vm ? { kernelRelease: vm.kernelRelease } : {}),
    accel: vm?.accel ?? (input.vm.accel === 'kvm' ? 'kvm' : 'tcg'),
    bootSeconds: vm?.bootSeconds ?? 0,
    resultBase: layout.hostResultBase,
  });
  // Cleared in the finally below, whatever throws after it (a config refused before the VM boots
  // left it beating forever: an embedded `fsto run` never exited).
  const keepalive = setInterval(beat, 10_000);
  try {
    // A retry after the worker died: the VM it booted may still be running on our devices.
    await releaseRun(deps.ledger, input.runKey, { vm: deps.releasers.vm }, undefined, ['vm']);
    await writeRunConfig(input, layout, deps.stateDir);
    const times = await readHistory(deps.stateDir, input.fs);
    // Its loop devices found again by their backing files (re-attached when detached): never by number.
    const devices = await resolveHeld(deps, input.runKey, input.devices).catch((err: unknown) => {
      if (err instanceof DeviceGone) throw new FstoError(err.message, DEVICE_GONE);
      throw err;
    });
    // A matrix shard boots no VM when its cell will hand it nothing more.
    if (input.pull && deps.pull && !(await workAhead(deps.pull, input.pull, ac.signal)))
      return result({ ended: 'completed' });
    if (ac.signal.aborted) throw new CancelledFailure('batch cancelled before its VM booted');
    let out: CheckRunOutcome;
    try {
      const { exec } = await openGuest({ ...input, devices }, layout, deps, {
        signal: ac.signal,
        onBoot: (booted) => {
          vm = booted;
          deps.metrics?.vmBooted(booted.bootSeconds, booted.accel);
        },
      });
      if (input.list && !listed) {
        listed = await listSelection(exec, { section, ...input.selection });
        await journal.saveListing(listed);
        beat();
        signals.listing(listed, expectedOf(listed, times));
      }
      out = await runTests(
        input,
        deps,
        {
          exec,
          input,
          section,
          times,
          reportDir: reportDir(layout.hostResultBase, section),
          hostResultBase: layout.hostResultBase,
          cancel: ac.signal,
          onStarted: (t) => {
            current = t;
          },
          onFinished: (r, next) => {
            finished.set(r.name, r);
            journal.record(r);
            deps.metrics?.testFinished(r.verdict);
            current = undefined;
            signals.result(r, next);
            beat();
          },
        },
        { finished, listed },
      );
    } catch (err) {
      const crash = bootCrashOf(err);
      if (crash && !ac.signal.aborted) return result(diedOutside('boot', crash));
      if (err instanceof GuestCrashed && !ac.signal.aborted) return result(diedOutside(err.phase, err.crash));
      throw err;
    }
    if (out.at && out.ended !== 'tainted') deps.metrics?.testFinished(out.ended);
    // check's merged verdicts: the journal writes only those that differ from what it streamed.
    for (const r of out.results) {
      finished.set(r.name, r);
      journal.record(r);
    }
    await mergeHistory(
      deps.stateDir,
      input.fs,
      parseCheckTime(
        await share.readText(join(reportDir(layout.hostResultBase, section), 'check.time')).catch(() => ''),
      ),
    );
    return result({
      ...(input.list && listed ? { listed, expectedSec: expectedOf(listed, times) } : {}),
      ended: out.ended,
      ...(out.at ? { at: out.at } : {}),
      ...(out.phase ? { phase: out.phase } : {}),
      ...(out.crash ? { crash: out.crash } : {}),
    });
  } catch (err) {
    if (ctx.cancellationSignal.aborted) throw new CancelledFailure('batch cancelled; its VM was stopped');
    throw err;
  } finally {
    clearInterval(keepalive);
    ctx.cancellationSignal.removeEventListener('abort', onCancel);
    await vm?.stop();
    await Promise.all([signals.flush(), journal.flush().catch(() => undefined)]);
  }
}

/** The tests of this batch: pulled from a matrix cell, or the listing minus what is done. */
async function runTests(
  input: BatchInput,
  deps: BatchDeps,
  c: CheckRunContext,
  s: { finished: Map<string, TestResult>; listed?: string[] },
): Promise<CheckRunOutcome> {
  if (input.pull) {
    if (!deps.pull) throw new Error('this worker cannot pull tests from a matrix (no client)');
    const list = () => listSelection(c.exec, { section: c.section, ...input.selection });
    // What earlier attempts of this batch journaled: a resumed chunk runs only the rest.
    const journaled = new Set(s.finished.keys());
    return runPulled(
      c,
      deps.pull,
      list,
      c.times,
      pullEpoch(Context.current().info),
      undefined,
      undefined,
      journaled,
    );
  }
  const todo = (input.list ? (s.listed ?? []) : input.selection.tests).filter((t) => !s.finished.has(t));
  return todo.length > 0 ? runCheck(c, todo) : { results: [], ended: 'completed' };
}
