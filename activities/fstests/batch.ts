import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { Context } from '@temporalio/activity';
import { CancelledFailure } from '@temporalio/common';
import type {
  BatchInput,
  BatchResult,
  CrashReport,
  BatchProgressSignal,
  TestResult,
} from '../../common/schemas';
import type { Ledger } from '../ledger/ledger';
import { releaseRun, type Releasers } from '../ledger/reaper';
import { parseCheckTime } from '../results/checktime';
import { hangTimeoutSec } from '../results/hang-timeout';
import { mergeVerdicts, type Mark } from '../results/merge';
import { readXunit, reportDir } from '../results/xunit';
import { Vm, type VmDeps } from '../vm/vm';
import { checkArgv } from './check-argv';
import { checkEnv } from './config';
import { batchLayout, batchVmSpec, GUEST } from './guest-layout';
import { configText, listSelection, prepareGuest, sectionOf, type GuestExec } from './guest-prep';
import { mergeHistory, readHistory } from './history';
import { ProgressParser, type ProgressEvent } from './progress';
import { HangWatchdog } from './watchdog';

export interface BatchDeps {
  ledger: Ledger;
  stateDir: string;
  vm: VmDeps;
  /** Releasers by kind: a retried batch kills the VM its dead predecessor left running. */
  releasers: Releasers;
  /** Counters for the worker's Prometheus endpoint. */
  metrics?: { vmBooted(seconds: number, accel: 'kvm' | 'tcg'): void; testFinished(verdict: string): void };
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

/** Seconds each listed test took last time on this host (for the ETA). */
const expectedOf = (listed: string[], times: Map<string, number>) =>
  Object.fromEntries(listed.flatMap((t) => (times.has(t) ? [[t, times.get(t)!]] : [])));

/** A verdict as check printed it; guest paths in its reason are turned into host paths. */
function resultOf(e: Extract<ProgressEvent, { kind: 'finished' }>, hostResults: string): TestResult {
  const reason = [e.reason, ...(e.diff ?? []).slice(0, 20)].filter(Boolean).join('\n');
  return {
    name: e.test,
    verdict: e.verdict,
    durationSec: e.durationSec ?? 0,
    ...(reason ? { reason: reason.split(GUEST.results).join(hostResults) } : {}),
  };
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
    const todo = (input.list ? (listed ?? []) : input.selection.tests).filter((t) => !finished.has(t));
    const events: ProgressEvent[] = [];
    let ended: BatchResult['ended'] = 'completed';
    let crash: CrashReport | undefined;
    if (todo.length > 0) {
      const testAc = new AbortController();
      ac.signal.addEventListener('abort', () => testAc.abort(), { once: true });
      const dog = new HangWatchdog(
        (t) => hangTimeoutSec(t, times, input.hang),
        () => testAc.abort(),
      );
      const parser = new ProgressParser();
      const onEvent = (e: ProgressEvent) => {
        events.push(e);
        if (e.kind === 'started') {
          current = e.test;
          dog.started(e.test);
        } else if (e.kind === 'finished') {
          dog.disarm();
          const r = resultOf(e, input.resultsDir);
          finished.set(r.name, r);
          deps.metrics?.testFinished(r.verdict);
          current = undefined;
          const next = todo[todo.indexOf(r.name) + 1];
          void deps
            .notify?.(input.runKey, { label: input.label, result: r, ...(next ? { next } : {}) })
            .catch(() => {});
          beat();
        }
      };
      const res = await exec(checkArgv({ section, tests: todo, xunit: true }), {
        timeoutSec: Math.max(input.hang.defaultSec, input.hang.floorSec),
        signal: testAc.signal,
        onData: (stream, text) => stream === 'stdout' && parser.push(text).forEach(onEvent),
      }).catch((err: unknown) => {
        if (dog.hungAt && !ac.signal.aborted) return { outcome: 'hung' as const, exitCode: null };
        throw err;
      });
      dog.disarm();
      parser.end().forEach(onEvent);
      if (res.outcome !== 'exited') {
        ended = res.outcome;
        crash = 'crash' in res ? res.crash : undefined;
        current = dog.hungAt ?? current;
      }
    }
    const at = ended === 'completed' ? undefined : current;
    if (at) deps.metrics?.testFinished(ended);
    if (at && crash)
      await writeFile(join(layout.hostResultBase, `${at.replace('/', '-')}.console.log`), crash.excerpt);
    const marks: Mark[] = at
      ? [
          {
            test: at,
            verdict: ended as 'crashed' | 'hung',
            ...(crash ? { crashSignature: crash.signature, reason: crash.excerpt } : {}),
          },
        ]
      : [];
    const dir = reportDir(layout.hostResultBase, section);
    const xunit = await readXunit(dir);
    const merged = mergeVerdicts({
      expected: todo,
      marks,
      xunit: xunit?.cases.map((c) => c.result),
      progress: events,
    });
    for (const r of merged.results) {
      finished.set(
        r.name,
        r.reason ? { ...r, reason: r.reason.split(GUEST.results).join(input.resultsDir) } : r,
      );
    }
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
