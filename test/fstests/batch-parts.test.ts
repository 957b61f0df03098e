import { appendFile, mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { BatchJournal } from '../../activities/verdicts/journal';
import { MAX_RESULTS_PER_SIGNAL, ProgressSignals } from '../../activities/fstests/signals';
import { TaintTracker } from '../../activities/fstests/taint';
import { HangWatchdog } from '../../activities/verdicts/watchdog';
import type { CrashMatch } from '../../activities/vm/console';
import {
  GuestCrashed,
  listSelection,
  prepareGuest,
  type GuestExec,
} from '../../activities/fstests/guest-prep';
import { kernelLines } from '../../client/run/watch';
import type { BatchProgressSignal, TestResult } from '../../common/schemas';

const pass = (name: string): TestResult => ({ name, verdict: 'pass', durationSec: 1 });

describe('progress signals to the workflow are coalesced', () => {
  afterEach(() => void vi.useRealTimers());

  it('the listing at once; results at most once per interval, together; the rest on flush', async () => {
    vi.useFakeTimers();
    const sent: BatchProgressSignal[] = [];
    const s = new ProgressSignals('main-1', async (x) => void sent.push(x), 15);
    s.listing(['a/001', 'a/002', 'a/003', 'a/004'], { 'a/001': 3 });
    s.result(pass('a/001'), 'a/002'); // the first result goes at once
    await vi.advanceTimersByTimeAsync(0);
    expect(sent.map((x) => [x.listed?.length, x.results?.map((r) => r.name)])).toEqual([
      [4, undefined],
      [undefined, ['a/001']],
    ]);
    s.result(pass('a/002'), 'a/003');
    await vi.advanceTimersByTimeAsync(5_000);
    s.result(pass('a/003'), 'a/004');
    await vi.advanceTimersByTimeAsync(9_000);
    expect(sent).toHaveLength(2); // 14 s after the last: nothing yet
    await vi.advanceTimersByTimeAsync(1_000);
    expect(sent).toHaveLength(3);
    expect(sent[2]).toEqual({ label: 'main-1', results: [pass('a/002'), pass('a/003')], next: 'a/004' });
    s.result(pass('a/004'), undefined);
    await s.flush(); // the batch ends: nothing waits for the interval
    expect(sent[3]!.results).toEqual([pass('a/004')]);
  });

  it('a burst is split into bounded signals', async () => {
    const sent: BatchProgressSignal[] = [];
    const s = new ProgressSignals('main-1', async (x) => void sent.push(x), 15);
    s.result(pass('a/000'), undefined);
    for (let i = 1; i <= 250; i++) s.result(pass(`a/${i}`), undefined);
    await s.flush();
    expect(sent.map((x) => x.results!.length)).toEqual([
      1,
      MAX_RESULTS_PER_SIGNAL,
      MAX_RESULTS_PER_SIGNAL,
      50,
    ]);
  });
});

describe('batch journal on the host', () => {
  it('a retried attempt reads back what the dead one finished (a torn last line skipped)', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'fsto-journal-'));
    const first = new BatchJournal(dir, 'main-1');
    await first.reset();
    first.record(pass('a/001'));
    first.record({ name: 'a/002', verdict: 'fail', durationSec: 2, reason: 'diff' });
    await first.saveListing(['a/001', 'a/002', 'a/003']);
    await first.flush();
    await appendFile(first.resultsFile, '{"name":"a/003","verd'); // the worker died mid-write
    const again = new BatchJournal(dir, 'main-1');
    expect([...(await again.finished()).values()].map((r) => `${r.name}:${r.verdict}`)).toEqual([
      'a/001:pass',
      'a/002:fail',
    ]);
    expect(await again.listing()).toEqual(['a/001', 'a/002', 'a/003']);
    await again.reset(); // a first attempt of a batch starts clean
    expect((await again.finished()).size).toBe(0);
  });
});

describe('hang watchdog', () => {
  afterEach(() => void vi.useRealTimers());

  it('per test: its own timeout from its start, whatever it prints; outside a test: silence', () => {
    vi.useFakeTimers();
    const hung: (string | undefined)[] = [];
    const dog = new HangWatchdog(
      (t) => (t === 'long' ? 100 : 10),
      50,
      (t) => hung.push(t),
    );
    dog.start();
    vi.advanceTimersByTime(40_000);
    dog.output(); // check's start-up printed something: silence counts again from here
    vi.advanceTimersByTime(40_000);
    dog.started('long');
    vi.advanceTimersByTime(90_000);
    dog.output(); // output inside a test does not extend it
    expect(hung).toEqual([]);
    vi.advanceTimersByTime(10_000);
    expect(hung).toEqual(['long']);
    expect(dog.hungAt).toBe('long');
    dog.finished();
    vi.advanceTimersByTime(50_000);
    expect(hung).toEqual(['long', undefined]);
    expect(dog.idleHung).toBe(true);
  });
});

describe('taint attribution', () => {
  const m = (test?: string): CrashMatch => ({
    kind: 'bug',
    fatal: false,
    signature: 'BUG: x',
    text: 'BUG: x',
    line: 1,
    ...(test ? { test } : {}),
  });
  const report = () => ({ signature: 'BUG: x', excerpt: '' });

  it('waits for the running test it belongs to; stops at once when that test is over or none runs', () => {
    const mine = new Set(['a/001', 'a/002']);
    const t1 = new TaintTracker();
    expect(t1.seen(m('a/001'), report, { running: 'a/001', mine, done: new Set() })).toBe(false);
    expect(t1.endsWith('a/001')).toBe(true);
    const t2 = new TaintTracker();
    expect(t2.seen(m('a/001'), report, { running: 'a/002', mine, done: new Set(['a/001']) })).toBe(true);
    expect(t2.taint?.test).toBe('a/001');
    const t3 = new TaintTracker(); // a marker from an earlier check in this VM: the running test
    expect(t3.seen(m('z/999'), report, { running: 'a/002', mine, done: new Set() })).toBe(false);
    expect(t3.taint?.test).toBe('a/002');
    const t4 = new TaintTracker(); // no test at all: check's start-up
    expect(t4.seen(m(), report, { mine, done: new Set() })).toBe(true);
    expect(t4.taint?.test).toBeUndefined();
  });
});

describe('a panic outside any test', () => {
  const panic = {
    signature: 'Kernel panic - not syncing: Fatal exception',
    excerpt: 'Kernel panic - not syncing: Fatal exception',
  };
  const dead: GuestExec = async () => ({
    exitCode: null,
    outcome: 'crashed',
    crash: panic,
    stdoutTail: '',
    stderrTail: '',
  });

  it('says where: prepare (mkdir, blkid, mkfs) or listing, with the panic', async () => {
    const input = { devices: { env: { TEST_DEV: '/dev/vda' } }, fs: 'xfs' } as never;
    const layout = { guestResultBase: '/tmp/fsto/results/main-1' } as never;
    const prep = await prepareGuest(dead, input, layout).catch((e: unknown) => e);
    expect(prep).toBeInstanceOf(GuestCrashed);
    expect(prep).toMatchObject({ phase: 'prepare', crash: panic });
    const list = await listSelection(dead, { section: 'fsto', tests: ['a/001'] }).catch((e: unknown) => e);
    expect(list).toMatchObject({ phase: 'listing', crash: panic });
  });

  it("the CLI's summary names each kernel crash by its own line", () => {
    const lines = kernelLines({
      workflowId: 'w',
      status: 'failed',
      resultsDir: '/r',
      hostId: 'h',
      tests: [
        { name: 'a/001', verdict: 'pass', durationSec: 1 },
        {
          name: 'a/002',
          verdict: 'crashed',
          durationSec: 1,
          crashSignature: panic.signature,
          reason: 'mtrr: x',
        },
      ],
    });
    expect(lines).toEqual(['kernel: a/002 crashed: Kernel panic - not syncing: Fatal exception']);
  });
});
