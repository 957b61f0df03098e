import { mkdir, mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { runCheck, type CheckRunContext } from '../../activities/fstests/check-run';
import type { GuestExec } from '../../activities/fstests/guest-prep';
import type { CrashMatch } from '../../activities/vm/console';
import type { ExecResult } from '../../activities/vm/exec';
import type { BatchInput, CrashReport, TestResult } from '../../common/schemas';

// runCheck against a scripted `check` (the guest exec replaced; everything else real: files,
// result.xml parsing, timers). What each script must give is written down from fstests'
// semantics and the issue's rules, not from a run of the code.

type Step =
  | { out: string }
  | { sleep: number }
  | { kernel: Pick<CrashMatch, 'signature' | 'kind'> & { test?: string } }
  | { xml: string[] };
type End = { exit: number } | { crash: CrashReport } | 'forever';

const xml = (cases: string[]) =>
  `<?xml version="1.0" encoding="UTF-8"?>\n<testsuite name="xfstests" tests="${cases.length}" time="">\n<properties>\n</properties>\n${cases
    .map((c) => `<testcase classname="xfstests.fsto" name="${c}" time="1"></testcase>`)
    .join('\n')}\n</testsuite>\n`;

interface Fake {
  exec: GuestExec;
  calls: { argv: string[]; timeoutSec?: number }[];
}

function fakeCheck(reportDir: string, steps: Step[], end: End): Fake {
  const calls: Fake['calls'] = [];
  const exec: GuestExec = async (argv, o) => {
    calls.push({ argv, ...(o.timeoutSec !== undefined ? { timeoutSec: o.timeoutSec } : {}) });
    const cancelled = () => new Error('exec cancelled');
    let out = '';
    for (const s of steps) {
      if (o.signal?.aborted) throw cancelled();
      if ('out' in s) {
        out += s.out;
        o.onData?.('stdout', s.out);
      } else if ('sleep' in s) {
        await new Promise<void>((resolve, reject) => {
          const t = setTimeout(resolve, s.sleep);
          o.signal?.addEventListener('abort', () => (clearTimeout(t), reject(cancelled())), { once: true });
        });
      } else if ('kernel' in s) {
        const m = { ...s.kernel, fatal: false, text: s.kernel.signature, line: 1 } as CrashMatch;
        o.onKernelLog?.(m, () => ({ signature: m.signature, excerpt: `${m.signature}\n(console: /c.log)` }));
      } else {
        await writeFile(join(reportDir, 'result.xml'), xml(s.xml));
      }
    }
    if (end === 'forever' || o.signal?.aborted) {
      await new Promise((_, reject) => {
        if (o.signal?.aborted) reject(cancelled());
        o.signal?.addEventListener('abort', () => reject(cancelled()), { once: true });
      });
    }
    const r: ExecResult =
      end !== 'forever' && 'crash' in end
        ? { exitCode: null, outcome: 'crashed', crash: end.crash, stdoutTail: out, stderrTail: '' }
        : { exitCode: (end as { exit: number }).exit, outcome: 'exited', stdoutTail: out, stderrTail: '' };
    return r;
  };
  return { exec, calls };
}

async function context(
  fake: (reportDir: string) => Fake,
  o: {
    times?: Record<string, number>;
    hang?: BatchInput['hang'];
    iterations?: number;
    loopOnFail?: number;
    cancel?: AbortSignal;
  } = {},
) {
  const root = await mkdtemp(join(tmpdir(), 'fsto-check-run-'));
  const hostResultBase = join(root, 'main-1');
  const reportDir = join(hostResultBase, 'fsto');
  await mkdir(reportDir, { recursive: true });
  const f = fake(reportDir);
  const finished: { r: TestResult; next?: string }[] = [];
  const c: CheckRunContext = {
    exec: f.exec,
    input: {
      resultsDir: root,
      hang: o.hang ?? { floorSec: 0.1, factor: 2, defaultSec: 0.3 },
      ...(o.iterations ? { iterations: o.iterations } : {}),
      ...(o.loopOnFail ? { loopOnFail: o.loopOnFail } : {}),
    } as BatchInput,
    section: 'fsto',
    times: new Map(Object.entries(o.times ?? {})),
    reportDir,
    hostResultBase,
    cancel: o.cancel ?? new AbortController().signal,
    onStarted: () => undefined,
    onFinished: (r, next) => finished.push({ r, ...(next ? { next } : {}) }),
  };
  return { c, f, finished, reportDir, hostResultBase };
}

const verdicts = (rs: TestResult[]) => Object.fromEntries(rs.map((r) => [r.name, r.verdict]));

describe('runCheck: the per-test watchdog alone decides a hang', () => {
  it('a test whose history says it is long outlives the default; one without history does not', async () => {
    // hang: floor 0.1 s, factor 2, default 0.3 s. a/001's history says 5 s → 10 s; a/002 has none.
    const { c, f } = await context(
      (dir) =>
        fakeCheck(
          dir,
          [{ out: 'a/001        ' }, { sleep: 700 }, { out: ' 1s\n' }, { out: 'a/002        ' }],
          'forever',
        ),
      { times: { 'a/001': 5 } },
    );
    const t0 = Date.now();
    const out = await runCheck(c, ['a/001', 'a/002']);
    const took = Date.now() - t0;
    expect(verdicts(out.results)).toEqual({ 'a/001': 'pass', 'a/002': 'hung' });
    expect(out).toMatchObject({ ended: 'hung', at: 'a/002' });
    expect(out.results[1]!.reason).toMatch(/hang timeout of 0.3 s \(no history: the default 0.3 s/);
    // a/002 was called hung at its default (0.3 s after 0.7 s of a/001), not at a/001's 10 s.
    expect(took).toBeGreaterThanOrEqual(1000);
    expect(took).toBeLessThan(6000);
    // No other clock: the guest exec was given no idle limit of its own.
    expect(f.calls[0]!.timeoutSec).toBeUndefined();
  });

  afterEach(() => void vi.useRealTimers());

  it("check silent outside any test for too long is hung in phase 'check' (generously: >= 300 s)", async () => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] });
    const { c, f } = await context((dir) => fakeCheck(dir, [], 'forever'));
    let settled = false;
    const p = runCheck(c, ['a/001']).finally(() => (settled = true));
    while (f.calls.length === 0) await new Promise((r) => setImmediate(r));
    await vi.advanceTimersByTimeAsync(299_000);
    expect(settled).toBe(false);
    await vi.advanceTimersByTimeAsync(2_000);
    const out = await p;
    expect(out).toMatchObject({ ended: 'hung', phase: 'check', results: [] });
    expect(out.at).toBeUndefined();
  });
});

describe('runCheck: crash semantics as fstests', () => {
  const oops = { kind: 'bug' as const, signature: 'BUG: kernel NULL pointer dereference, address: X' };

  it("a crash line the kernel survives: the test finishes with check's own verdict and the signature, then check is stopped: tainted", async () => {
    const { c, finished, hostResultBase } = await context((dir) =>
      fakeCheck(
        dir,
        [
          { out: 'a/001        ' },
          { kernel: { ...oops, test: 'a/001' } },
          { sleep: 100 },
          { out: ' 1s\n' }, // check's own verdict: pass (its dmesg scan missed it)
          { out: 'a/002        ' },
        ],
        'forever',
      ),
    );
    const out = await runCheck(c, ['a/001', 'a/002', 'a/003']);
    expect(out).toMatchObject({ ended: 'tainted', at: 'a/001' });
    expect(out.crash?.signature).toBe(oops.signature);
    // a/002 and a/003 get no verdict here: they run in a fresh VM.
    expect(out.results).toHaveLength(1);
    const r = out.results[0]!;
    // A by-hand run says pass (its dmesg scan missed the line): so do we, with the signature.
    expect(r).toMatchObject({ name: 'a/001', verdict: 'pass', crashSignature: oops.signature });
    expect(r.reason).toContain(join(hostResultBase, 'a-001.console.log'));
    expect(finished[0]!.r).toMatchObject({ verdict: 'pass', crashSignature: oops.signature });
    expect(await readFile(join(hostResultBase, 'a-001.console.log'), 'utf8')).toMatch(/^BUG: kernel NULL/);
  });

  it("fstests' own fail (_check_dmesg) stays, with the signature added", async () => {
    const { c } = await context((dir) =>
      fakeCheck(
        dir,
        [
          { out: 'a/001        ' },
          { kernel: { ...oops, test: 'a/001' } },
          { out: '_check_dmesg: something found in dmesg (see /tmp/fsto/results/main-1/fsto/a/001.dmesg)\n' },
        ],
        { exit: 1 },
      ),
    );
    const out = await runCheck(c, ['a/001']);
    expect(out).toMatchObject({ ended: 'tainted', at: 'a/001' });
    expect(out.results[0]).toMatchObject({ verdict: 'fail', crashSignature: oops.signature });
    // The guest's results path became the host's.
    expect(out.results[0]!.reason).toContain(`${c.input.resultsDir}/main-1/fsto/a/001.dmesg`);
    expect(out.results[0]!.reason).not.toContain('/tmp/fsto/results');
  });

  it('a panic in a test: that test is crashed, named by the panic line; the rest run again', async () => {
    const panic = 'Kernel panic - not syncing: sysrq triggered crash';
    const crash = { signature: panic, excerpt: `${panic}\n(console: /state/vm.console.log)\nCall Trace:` };
    const { c } = await context((dir) =>
      fakeCheck(
        dir,
        [{ out: 'a/001        ' }, { out: ' 1s\n' }, { xml: ['a/001'] }, { out: 'a/002        ' }],
        { crash },
      ),
    );
    const out = await runCheck(c, ['a/001', 'a/002', 'a/003']);
    expect(out).toMatchObject({ ended: 'crashed', at: 'a/002', crash: { signature: panic } });
    expect(verdicts(out.results)).toEqual({ 'a/001': 'pass', 'a/002': 'crashed' });
    expect(out.results[1]!.reason!.split('\n')[0]).toBe(panic);
  });

  it("a panic between tests: crashed in phase 'check', no test blamed", async () => {
    const crash = { signature: 'Kernel panic - not syncing: x', excerpt: 'Kernel panic - not syncing: x' };
    const { c } = await context((dir) =>
      fakeCheck(dir, [{ out: 'a/001        ' }, { out: ' 1s\n' }], { crash }),
    );
    const out = await runCheck(c, ['a/001', 'a/002']);
    expect(out).toMatchObject({ ended: 'crashed', phase: 'check' });
    expect(out.at).toBeUndefined();
    expect(verdicts(out.results)).toEqual({ 'a/001': 'pass' });
  });
});

describe('runCheck: exactly one verdict per test', () => {
  it('check exits without verdicts: error with its status and output; a stale result.xml is never read', async () => {
    const { c, reportDir, hostResultBase } = await context((dir) =>
      fakeCheck(
        dir,
        [{ out: 'a/001        ' }, { out: ' 1s\n' }, { out: 'common/rc: _scratch_mkfs failed\n' }],
        {
          exit: 1,
        },
      ),
    );
    // A previous check in this results dir said a/002 and a/003 passed.
    await writeFile(join(reportDir, 'result.xml'), xml(['a/001', 'a/002', 'a/003']));
    const out = await runCheck(c, ['a/001', 'a/002', 'a/003']);
    expect(out.ended).toBe('completed');
    expect(out.results.map((r) => [r.name, r.verdict])).toEqual([
      ['a/001', 'pass'],
      ['a/002', 'error'],
      ['a/003', 'error'],
    ]);
    expect(out.results[1]!.reason).toMatch(/check exited with status 1 without a verdict/);
    expect(out.results[1]!.reason).toContain('_scratch_mkfs failed');
    expect(out.results[1]!.reason).toContain(join(hostResultBase, 'check.output'));
    expect(await readFile(join(hostResultBase, 'check.output'), 'utf8')).toContain('_scratch_mkfs failed');
  });

  it("with iterations and reruns, check runs with the batch's -i N and -L N", async () => {
    const { c, f } = await context((dir) => fakeCheck(dir, [{ out: 'a/001        1s\n' }], { exit: 0 }), {
      iterations: 3,
      loopOnFail: 2,
    });
    await runCheck(c, ['a/001']);
    expect(f.calls[0]!.argv.join(' ')).toMatch(/ -i 3 -L 2 a\/001$/);
  });

  it('cancelled: it throws (the batch reports the cancellation), no verdicts are made up', async () => {
    const ac = new AbortController();
    const { c } = await context((dir) => fakeCheck(dir, [{ out: 'a/001        ' }], 'forever'), {
      cancel: ac.signal,
      hang: { floorSec: 60, factor: 2, defaultSec: 60 },
    });
    const p = runCheck(c, ['a/001']);
    setTimeout(() => ac.abort(), 200);
    await expect(p).rejects.toThrow(/cancelled/);
  });
});
