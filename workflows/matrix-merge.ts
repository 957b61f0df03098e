import { commonFailureKind } from '../common/errors';
import {
  isFailing,
  runStatusOf,
  type FailingTest,
  type MatrixRunResult,
  type RunFailureKind,
  type RunSummary,
  type ShardRef,
  type TestResult,
} from '../common/schemas';

export type ShardOutcome = {
  workflowId: string;
  summary?: RunSummary;
  error?: string;
  failure?: RunFailureKind;
};

/** The cell's failure kind: bad input (or a failed build) only when every failed shard says so. */
export function cellFailure(shards: readonly ShardOutcome[]): RunFailureKind | undefined {
  return commonFailureKind(shards.filter((s) => s.error).map((s) => s.failure));
}

export interface CellParts {
  config: string;
  kernel: string;
  cellId: string;
  /** Tests the cell listed (sharded), when known. */
  listed?: number;
  shards: readonly ShardOutcome[];
  /** Verdicts the cell gave itself: tests no shard ended with a verdict for. */
  own: readonly TestResult[];
  failingCap: number;
  handOuts?: number;
}

const SIGNATURE_MAX = 200;

/** The crash signature, else the reason's first line, short. */
export function signatureOf(t: Pick<TestResult, 'crashSignature' | 'reason'>): string | undefined {
  const s =
    t.crashSignature ??
    t.reason
      ?.split('\n')
      .find((l) => l.trim())
      ?.trim();
  return s === undefined ? undefined : s.slice(0, SIGNATURE_MAX);
}

/**
 * One config × kernel from its shards and the cell's own verdicts: every test once (by name),
 * counted per verdict; the failing and error tests named (capped); pointers to the shards.
 */
export function mergeCell(p: CellParts): MatrixRunResult {
  const tests = new Map<string, { r: TestResult; from: string }>();
  for (const s of p.shards)
    for (const r of s.summary?.tests ?? []) tests.set(r.name, { r, from: s.workflowId });
  for (const r of p.own) if (!tests.has(r.name)) tests.set(r.name, { r, from: p.cellId });
  const all = [...tests.values()];
  const counts: Record<string, number> = {};
  for (const { r } of all) counts[r.verdict] = (counts[r.verdict] ?? 0) + 1;
  const rank = (t: TestResult) => (isFailing(t.verdict) ? 0 : t.verdict === 'error' ? 1 : 2);
  const bad = all
    .filter(({ r }) => rank(r) < 2)
    .sort((a, b) => rank(a.r) - rank(b.r) || a.r.name.localeCompare(b.r.name));
  const failing: FailingTest[] = bad.slice(0, p.failingCap).map(({ r, from }) => {
    const signature = signatureOf(r);
    return { name: r.name, verdict: r.verdict, workflowId: from, ...(signature ? { signature } : {}) };
  });
  const errors = p.shards.flatMap((s) => (s.error ? [`${s.workflowId}: ${s.error}`] : []));
  const first = p.shards.find((s) => s.summary)?.summary;
  const verdicts = all.map(({ r }) => r);
  return {
    config: p.config,
    kernel: p.kernel,
    workflowId: p.cellId,
    status: errors.length && !verdicts.some((t) => isFailing(t.verdict)) ? 'error' : runStatusOf(verdicts),
    listed: p.listed ?? all.length,
    tests: all.length,
    counts,
    failing,
    failingMore: bad.length - failing.length,
    shards: p.shards.map(shardRef),
    ...(first
      ? { hostId: first.hostId, resultsDir: first.resultsDir, kernelRelease: first.kernelRelease }
      : {}),
    ...(p.handOuts !== undefined ? { handOuts: p.handOuts } : {}),
    ...(errors.length ? { error: errors.join('\n').slice(0, 4000), failure: cellFailure(p.shards) } : {}),
  };
}

function shardRef(s: ShardOutcome): ShardRef {
  const m = s.summary;
  return {
    workflowId: s.workflowId,
    tests: m?.tests.length ?? 0,
    ...(m ? { status: m.status, hostId: m.hostId, resultsDir: m.resultsDir } : {}),
    ...(m?.report ? { report: m.report } : {}),
    ...(s.error ? { error: s.error.slice(0, 2000) } : {}),
    ...(s.failure ? { failure: s.failure } : {}),
    ...(m?.releaseError ? { releaseError: m.releaseError.slice(0, 2000) } : {}),
    ...(m?.filingError ? { filingError: m.filingError.slice(0, 2000) } : {}),
  };
}
