import { log, proxyActivities, setCurrentDetails, setHandler } from '@temporalio/workflow';
import type { KernelBuildActivities } from '../activities/kernel-build/activities';
import { INVALID_SPEC, parseOrFail } from '../common/errors';
import { bisectProgressQuery } from '../common/queries';
import {
  BisectSpec,
  type BisectProgress,
  type BisectResult,
  type BisectSpecInput,
  type BisectStep,
  type BisectVerdict,
} from '../common/schemas';
import { rangeState, stepsLeft } from './bisect-range';
import { bisectStep } from './bisect-step';
import { lookupQueue } from './lookup-queue';

// A bisection (docs/architecture.md, "Kernels from git and bisection"): good..bad of a tree fetched
// once, then steps (bisect-step.ts: build, run the tests as child runs) until one commit is left.
// Its state is the verdicts, rebuilt from history on any worker; its range is live in the
// `bisectProgress` query and the UI's current details. Cancelling it cancels the running step's
// child run, which releases its VM and devices.

const git = (taskQueue: string) =>
  proxyActivities<Pick<KernelBuildActivities, 'listBisectCommits' | 'commitSubject'>>({
    taskQueue,
    startToCloseTimeout: '10m',
    retry: { maximumAttempts: 3, nonRetryableErrorTypes: [INVALID_SPEC] },
  });

export async function fstestsBisect(input: BisectSpecInput): Promise<BisectResult> {
  const spec = parseOrFail(BisectSpec, input, 'bisect spec');
  const acts = git(lookupQueue());
  const { good, commits } = await acts.listBisectCommits({
    tree: spec.tree,
    good: spec.good,
    bad: spec.bad,
    ...(spec.config ? { config: spec.config } : {}),
    fragments: spec.fragments,
  });
  const verdicts = new Map<number, BisectVerdict>([[commits.length - 1, 'bad']]);
  const steps: BisectStep[] = [];
  let current: string | undefined;
  const progress = (): BisectProgress => {
    const s = rangeState(commits.length, verdicts);
    return {
      good: s.lo < 0 ? good : commits[s.lo]!,
      bad: commits[s.hi]!,
      remaining: s.remaining,
      ...(current ? { current } : {}),
      steps,
    };
  };
  setHandler(bisectProgressQuery, progress);
  const show = () => setCurrentDetails(detailsOf(progress()));

  for (
    let s = rangeState(commits.length, verdicts);
    s.next !== undefined;
    s = rangeState(commits.length, verdicts)
  ) {
    current = commits[s.next]!;
    show();
    const step = await bisectStep(spec, current, steps.length);
    log.info('bisect step', { commit: current, verdict: step.verdict });
    steps.push(step);
    verdicts.set(s.next, step.verdict);
    current = undefined;
  }
  const end = rangeState(commits.length, verdicts);
  show();
  if (end.firstBad !== undefined) {
    const commit = commits[end.firstBad]!;
    const subject = await acts.commitSubject({ tree: spec.tree, commit });
    return { ...progress(), firstBad: { commit, subject } };
  }
  return { ...progress(), candidates: (end.candidates ?? []).map((i) => commits[i]!) };
}

/** The UI's current details (markdown): the range, the commit under test, the steps so far. */
function detailsOf(p: BisectProgress): string {
  const short = (c: string) => c.slice(0, 12);
  return [
    `**range** good ${short(p.good)} … bad ${short(p.bad)}: ${p.remaining} commit(s) left, ~${stepsLeft(p.remaining)} step(s)`,
    p.current ? `**testing** ${short(p.current)}` : '',
    ...p.steps.map(
      (s, i) =>
        `${i + 1}. ${short(s.commit)} ${s.describe ?? ''} → **${s.verdict}** (${s.runs.map((r) => r.status).join(', ')})`,
    ),
  ]
    .filter(Boolean)
    .join('\n')
    .slice(0, 16_000);
}
