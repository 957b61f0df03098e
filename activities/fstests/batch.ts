import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { Context } from '@temporalio/activity';
import { CancelledFailure } from '@temporalio/common';
import type { BatchInput, BatchResult, BatchProgressSignal, TestResult } from '../../common/schemas';
import type { Ledger } from '../ledger/ledger';
import { releaseRun, type Releasers } from '../ledger/reaper';
import { parseCheckTime } from '../results/checktime';
import { reportDir } from '../results/xunit';
import { runCheck, type CheckRunContext, type CheckRunOutcome } from './check-run';
import { runPulled, type PullClient } from './pull';
import { Vm, type VmDeps } from '../vm/vm';
import { checkEnv } from './config';
import { batchLayout, batchVmSpec, GUEST } from './guest-layout';
import { configText, listSelection, prepareGuest, sectionOf, type GuestExec } from './guest-prep';
import { expectedOf, mergeHistory, readHistory } from './history';

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
  /** Tell the workflow a test finished (live progress); best effort. */
  notify?: (runKey: string, s: BatchProgressSignal) => Promise<void>;
}

/** What a heartbeat carries, so a retried attempt resumes after the last finished test. */
interface BatchBeat {
  label: string;
  finished: TestResult[];
  listed?: string[];
  current?: string;
}

/**
 * One VM boot: boot, prepare the guest, (list the selection,) run `check` on the tests not yet
 * done with a heartbeat and a signal per finished test, and stop the VM whatever happens.
 */
export async function runTestBatch(input: BatchInput, deps: BatchDeps): Promise<BatchResult> {
  const ctx = Context.current();
  const prior = ctx.info.heartbeatDetails as BatchBeat | undefined;
  const finished = new Map((prior?.label === input.label ? prior.finished : []).map((t) => [t.name, t]));
  let listed = prior?.label === input.label ? prior.listed : undefined;
  let current: string | undefined;
  const beat = () => ctx.heartbeat({ label: input.label, finished: [...finished.values()], listed, current });
  const keepalive = setInterval(beat, 10_000);

  // A retry after the worker died: the VM it booted may still be running on our devices.
  await releaseRun(deps.ledger, input.runKey, { vm: deps.releasers.vm }, undefined, ['vm']);

  const layout = batchLayout(input, ctx.info.attempt);
  await mkdir(layout.hostResultBase, { recursive: true });
  await writeFile(layout.hostConfig, await configText(input, layout));
  const section = sectionOf(input);
  const times = await readHistory(deps.stateDir, input.fs);
  const ac = new AbortController();
  const onCancel = () => ac.abort();
  ctx.cancellationSignal.addEventListener('abort', onCancel, { once: true });
  let vm: Vm | undefined;
  try {
    vm = await Vm.boot({ runKey: input.runKey, spec: batchVmSpec(input) }, deps.vm, { signal: ac.signal });
    deps.metrics?.vmBooted(vm.bootSeconds, vm.accel);
    const exec: GuestExec = (argv, o) =>
      vm!.exec(argv, {
        ...o,
        cwd: GUEST.fstests,
        env: checkEnv(layout.guestConfig),
        signal: o.signal ?? ac.signal,
      });
    await prepareGuest(exec, input, layout);
    if (input.list && !listed) {
      listed = await listSelection(exec, { section, ...input.selection });
      beat();
      void deps
        .notify?.(input.runKey, {
          label: input.label,
          listed,
          expectedSec: expectedOf(listed, times),
          next: listed[0],
        })
        .catch(() => {});
    }
    const dir = reportDir(layout.hostResultBase, section);
    const checkCtx: CheckRunContext = {
      exec,
      input,
      section,
      times,
      reportDir: dir,
      hostResultBase: layout.hostResultBase,
      cancel: ac.signal,
      onStarted: (t) => {
        current = t;
      },
      onFinished: (r, next) => {
        finished.set(r.name, r);
        deps.metrics?.testFinished(r.verdict);
        current = undefined;
        void deps
          .notify?.(input.runKey, { label: input.label, results: [r], ...(next ? { next } : {}) })
          .catch(() => {});
        beat();
      },
    };
    let out: CheckRunOutcome;
    if (input.pull) {
      if (!deps.pull) throw new Error('this worker cannot pull tests from a matrix (no client)');
      const resume =
        prior?.label === input.label && prior.current && !finished.has(prior.current)
          ? prior.current
          : undefined;
      const list = () => listSelection(exec, { section, ...input.selection });
      out = await runPulled(checkCtx, deps.pull, list, times, resume);
    } else {
      const todo = (input.list ? (listed ?? []) : input.selection.tests).filter((t) => !finished.has(t));
      out = todo.length > 0 ? await runCheck(checkCtx, todo) : { results: [], ended: 'completed' };
    }
    const { ended, at, crash } = out;
    if (at) deps.metrics?.testFinished(ended);
    for (const r of out.results) finished.set(r.name, r);
    await mergeHistory(
      deps.stateDir,
      input.fs,
      parseCheckTime(await readFile(join(dir, 'check.time'), 'utf8').catch(() => '')),
    );
    return {
      ...(input.list && listed
        ? {
            listed,
            expectedSec: Object.fromEntries(
              listed.flatMap((t) => (times.has(t) ? [[t, times.get(t)!]] : [])),
            ),
          }
        : {}),
      finished: [...finished.values()],
      ended,
      ...(at ? { at } : {}),
      ...(crash ? { crash } : {}),
      kernelRelease: vm.kernelRelease,
      accel: vm.accel,
      bootSeconds: vm.bootSeconds,
      resultBase: layout.hostResultBase,
    };
  } catch (err) {
    if (ctx.cancellationSignal.aborted) throw new CancelledFailure('batch cancelled; its VM was stopped');
    throw err;
  } finally {
    clearInterval(keepalive);
    ctx.cancellationSignal.removeEventListener('abort', onCancel);
    await vm?.stop();
  }
}
