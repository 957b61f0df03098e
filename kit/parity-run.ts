import { mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { setTimeout as sleep } from 'node:timers/promises';
import type { TestResult, VmBackendName } from '../common/schemas';
import { runFsto } from './overhead-fsto';
import { killLiveGroups } from './overhead-group';
import { describeLeaks, findLeaks, reclaim } from './overhead-leaks';
import { runRaw } from './overhead-raw';
import { verdictDiffs, verdictRows, type VerdictRow } from './parity-compare';
import { plantedCopy } from './parity-plant';
import { snapshotTree, treeChanges } from './parity-tree';

// One parity check: the same tests by hand (`vng --exec ./check` in a throwaway copy of the tree,
// kit/overhead-raw.ts) and through the real `fsto` CLI (server, worker, `fsto run --json`,
// kit/overhead-fsto.ts), one after the other; the user's tree is snapshotted before and after.
// Everything either side creates lives under one temp dir and is reclaimed at the end.

const REPO = fileURLToPath(new URL('..', import.meta.url));

export interface ParityInput {
  fstests: string;
  fs: string;
  tests: string[];
  kernel: string;
  backend?: VmBackendName;
  /** Run one side only: 'hand' saves its verdicts to handJson; 'fsto' reads them from there. */
  only?: 'hand' | 'fsto';
  handJson?: string;
  /** Both sides run a copy of the tree with kit/parity-plant-tests.ts's tests added. */
  plant?: boolean;
}

export interface ParityResult {
  rows: VerdictRow[];
  /** Tests whose verdicts differ (empty: parity). */
  diffs: string[];
  /** What changed in the user's tree (empty: untouched). */
  treeChanges: string[];
  treeEntries: number;
  hand: { wallSec: number; tests: TestResult[]; output: string };
  fsto: { wallSec: number; tests: TestResult[]; progress: string[] };
}

type HandSide = ParityResult['hand'];

/** The temp dir of the check under way (for an abort: everything either side made is under it). */
let current: string | undefined;

/** Kill both sides' process groups and reclaim what is under the current dir (Ctrl-C). */
export async function abortParity(): Promise<string[]> {
  killLiveGroups();
  if (!current) return [];
  const found = await findLeaks(current);
  await reclaim(found);
  await rm(current, { recursive: true, force: true });
  return describeLeaks(found);
}

/** Generous: real tests take 10–170 s each under TCG, plus boot and check's start-up, and a
 * shared 2-core host can be several times slower than that. */
const timeoutMs = (tests: number) => (15 + 6 * tests) * 60_000;

export async function runParity(o: ParityInput): Promise<ParityResult> {
  const dir = await mkdtemp(join(tmpdir(), 'fsto-parity-'));
  current = dir;
  let leaks: string[] = [];
  let result: ParityResult;
  try {
    const before = await snapshotTree(o.fstests);
    // Planted tests go into a copy under dir: the user's tree is only read (and checked below).
    const tree = o.plant ? await plantedCopy(o.fstests, join(dir, 'planted')) : o.fstests;
    // The fsto side alone reads the reference when it is done: both sides of a long sample
    // may run at once (the by-hand side writing the file meanwhile).
    const hand: HandSide =
      o.only === 'fsto' && o.handJson
        ? { wallSec: 0, tests: [], output: '' }
        : await runRaw({
            dir,
            kernel: o.kernel,
            fixture: tree,
            tests: o.tests,
            round: 0,
            fs: o.fs,
            layout: 'fsto',
            copyTree: true,
            timeoutMs: timeoutMs(o.tests.length),
          });
    if (o.only === 'hand' && o.handJson)
      await writeFile(
        o.handJson,
        JSON.stringify({ wallSec: hand.wallSec, tests: hand.tests, output: hand.output }),
      );
    const fsto =
      o.only === 'hand'
        ? { wallSec: 0, tests: [], progress: [] }
        : await runFsto({
            repo: REPO,
            stateDir: join(dir, 'state'),
            fixture: tree,
            tests: o.tests,
            fs: o.fs,
            ...(o.backend ? { backend: o.backend } : {}),
            timeoutMs: timeoutMs(o.tests.length),
          });
    if (o.only === 'fsto' && o.handJson) {
      // The by-hand side may still be running (both sides at once): wait for its verdicts.
      while (!(await stat(o.handJson).catch(() => undefined))) {
        console.log(`parity: fsto side done; waiting for ${o.handJson} (the by-hand side)`);
        await sleep(60_000);
      }
      Object.assign(hand, JSON.parse(await readFile(o.handJson, 'utf8')) as HandSide);
    }
    const after = await snapshotTree(o.fstests);
    const rows = verdictRows(o.tests, hand.tests, fsto.tests);
    result = {
      rows,
      diffs: verdictDiffs(rows),
      treeChanges: treeChanges(before, after),
      treeEntries: after.size,
      hand: { wallSec: hand.wallSec, tests: hand.tests, output: hand.output },
      fsto: { wallSec: fsto.wallSec, tests: fsto.tests, progress: fsto.progress ?? [] },
    };
  } finally {
    killLiveGroups();
    const found = await findLeaks(dir);
    await reclaim(found);
    leaks = describeLeaks(found);
    await rm(dir, { recursive: true, force: true });
    current = undefined;
  }
  // A parity run must leave nothing behind (each side already checks its own; this is the net).
  if (leaks.length) throw new Error(`parity: reclaimed what a side left behind: ${leaks.join('; ')}`);
  return result;
}
