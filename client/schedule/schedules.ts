import {
  ScheduleOverlapPolicy,
  type Client,
  type ScheduleDescription,
  type ScheduleHandle,
  type ScheduleOptions,
} from '@temporalio/client';
import { Name, type MatrixSpec } from '../../common/schemas';
import { cronProblem, parseWindow, timezoneProblem } from './cron';
import { MATRIX_WORKFLOW, matrixStartFields } from '../matrix/matrix-start';
import { defaultClaimWithinSec } from './night-gap';

// Matrices on a timetable, as Temporal Schedules: the server keeps the timetable, fires even
// when no CLI is running, and shows every start in the UI. The action carries the validated
// spec itself, so a later edit of the file changes nothing until the schedule is re-created.

export const OVERLAP_NAMES = {
  skip: ScheduleOverlapPolicy.SKIP,
  'buffer-one': ScheduleOverlapPolicy.BUFFER_ONE,
  'buffer-all': ScheduleOverlapPolicy.BUFFER_ALL,
  'cancel-other': ScheduleOverlapPolicy.CANCEL_OTHER,
  'terminate-other': ScheduleOverlapPolicy.TERMINATE_OTHER,
  'allow-all': ScheduleOverlapPolicy.ALLOW_ALL,
} as const;
export type OverlapName = keyof typeof OVERLAP_NAMES;

export interface ScheduleRequest {
  name: string;
  cron: string;
  timezone?: string;
  spec: MatrixSpec;
  specPath: string;
  taskQueue: string;
  /** Default: skip (a matrix still running makes the next one wait for the next slot). */
  overlap?: string;
  /** Default: 1h. How late a start missed while the server was down may still happen. */
  catchupWindow?: string;
  note?: string;
}

export class ScheduleInputError extends Error {
  override name = 'ScheduleInputError';
}

export function overlapOf(name: string | undefined): ScheduleOverlapPolicy {
  const o = OVERLAP_NAMES[(name ?? 'skip') as OverlapName] as ScheduleOverlapPolicy | undefined;
  if (o === undefined)
    throw new ScheduleInputError(
      `--overlap: "${name}" is not one of ${Object.keys(OVERLAP_NAMES).join(', ')}`,
    );
  return o;
}

/** The schedule's id is its name: `fsto schedule pause nightly` reads as it should. */
export function scheduleOptionsOf(r: ScheduleRequest): ScheduleOptions {
  const problems = [
    Name.safeParse(r.name).success
      ? undefined
      : `NAME: "${r.name}": use 1-64 characters from A-Z a-z 0-9 . _ -`,
    cronProblem(r.cron),
    r.timezone !== undefined ? timezoneProblem(r.timezone) : undefined,
  ].filter((p): p is string => p !== undefined);
  const window = parseWindow(r.catchupWindow ?? '1h', '--catchup-window');
  if (typeof window === 'string') problems.push(window);
  let overlap: ScheduleOverlapPolicy | undefined;
  try {
    overlap = overlapOf(r.overlap);
  } catch (err) {
    problems.push((err as Error).message);
  }
  if (problems.length > 0 || typeof window === 'string') throw new ScheduleInputError(problems.join('\n'));
  // The matrix is named after the schedule unless its spec names itself: `baseline: previous`
  // then finds the schedule's last matrix by that name.
  // A night whose shards no host takes ends by the next night (night-gap.ts) and says so, instead
  // of waiting for ever: the spec's claimWithinSec, else the gap between nights.
  const spec = { ...r.spec, claimWithinSec: r.spec.claimWithinSec ?? defaultClaimWithinSec(r.cron) };
  const fields = matrixStartFields(spec, r.specPath, r.spec.name ?? r.name);
  return {
    scheduleId: r.name,
    spec: { cronExpressions: [r.cron.trim()], ...(r.timezone ? { timezone: r.timezone } : {}) },
    action: {
      type: 'startWorkflow',
      workflowType: MATRIX_WORKFLOW,
      // The server appends the scheduled time: fsto-matrix-nightly-2026-11-21T03:00:00Z.
      workflowId: `fsto-matrix-${r.name}`,
      taskQueue: r.taskQueue,
      ...fields,
      memo: { ...fields.memo, schedule: r.name },
    },
    policies: { overlap, catchupWindow: window },
    memo: { specFile: r.specPath, cron: r.cron.trim(), timezone: r.timezone ?? 'UTC' },
    state: { note: r.note ?? `fsto schedule create ${r.name} --spec ${r.specPath}` },
  };
}

export async function createMatrixSchedule(client: Client, r: ScheduleRequest): Promise<ScheduleHandle> {
  return client.schedule.create(scheduleOptionsOf(r));
}

export interface ScheduleRow {
  name: string;
  paused: boolean;
  cron?: string;
  timezone?: string;
  specFile?: string;
  workflowType?: string;
  next?: string;
  recentWorkflowIds: string[];
}

export async function listSchedules(client: Client): Promise<ScheduleRow[]> {
  const rows: ScheduleRow[] = [];
  for await (const s of client.schedule.list()) {
    const memo = s.memo ?? {};
    rows.push({
      name: s.scheduleId,
      paused: s.state.paused,
      ...(typeof memo.cron === 'string' ? { cron: memo.cron } : {}),
      ...(typeof memo.timezone === 'string' ? { timezone: memo.timezone } : {}),
      ...(typeof memo.specFile === 'string' ? { specFile: memo.specFile } : {}),
      ...(s.action ? { workflowType: s.action.workflowType } : {}),
      ...(s.info.nextActionTimes[0] ? { next: s.info.nextActionTimes[0].toISOString() } : {}),
      recentWorkflowIds: s.info.recentActions.map((a) => a.action.workflow.workflowId),
    });
  }
  return rows.sort((a, b) => a.name.localeCompare(b.name));
}

/** What `fsto schedule describe` prints. */
export function describeText(d: ScheduleDescription): string {
  const memo = d.memo ?? {};
  const str = (v: unknown) => (typeof v === 'string' ? v : '?');
  return [
    `schedule ${d.scheduleId}: ${d.state.paused ? 'PAUSED' : 'active'}${d.state.note ? ` (${d.state.note})` : ''}`,
    `  cron ${str(memo.cron)} in ${str(memo.timezone)}; overlap ${d.policies.overlap}, catch-up window ${Math.round(d.policies.catchupWindow / 1000)}s`,
    `  starts ${d.action.workflowType} on queue ${d.action.taskQueue}; spec file ${str(memo.specFile)}`,
    `  next: ${d.info.nextActionTimes.map((t) => t.toISOString()).join(', ') || '(none)'}`,
    `  taken ${d.info.numActionsTaken}, skipped for overlap ${d.info.numActionsSkippedOverlap}, missed ${d.info.numActionsMissedCatchupWindow}`,
    ...d.info.recentActions.map(
      (a) => `  started ${a.action.workflow.workflowId} at ${a.takenAt.toISOString()}`,
    ),
  ].join('\n');
}
