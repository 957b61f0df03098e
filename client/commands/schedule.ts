import { ScheduleAlreadyRunning, ScheduleNotFoundError } from '@temporalio/client';
import type { Command } from 'commander';
import { WORKFLOW_QUEUE } from '../../common/queues';
import { addConnectionOptions, type ConnectOpts } from '../server/connection';
import { EXIT } from '../core/exit-codes';
import {
  createMatrixSchedule,
  describeText,
  listSchedules,
  overlapOf,
  ScheduleInputError,
  scheduleOptionsOf,
} from '../schedule/schedules';
import { defaultClaimWithinSec } from '../schedule/night-gap';
import { loadMatrixSpec, SpecFileError } from '../core/spec-file';
import { openSession, type Session } from '../server/temporal';

// `fsto schedule …`: matrices on a timetable, kept by the Temporal server (client/schedule/schedules.ts).

interface CreateFlags extends ConnectOpts {
  cron: string;
  timezone?: string;
  spec: string;
  overlap: string;
  catchupWindow: string;
  taskQueue: string;
  note?: string;
}

async function withSession(f: ConnectOpts, fn: (s: Session) => Promise<number | void>): Promise<void> {
  const session = await openSession(f);
  try {
    process.exitCode = (await fn(session)) ?? EXIT.ok;
  } catch (err) {
    // Name mix-ups are the user's to fix, not infrastructure errors.
    if (err instanceof ScheduleNotFoundError) {
      console.error(`fsto schedule: no schedule ${err.scheduleId}; see 'fsto schedule list'`);
      process.exitCode = EXIT.badInput;
    } else if (err instanceof ScheduleAlreadyRunning) {
      console.error(`fsto schedule: ${err.scheduleId} exists; delete it first or choose another name`);
      process.exitCode = EXIT.badInput;
    } else throw err;
  } finally {
    await session.close();
  }
}

export function registerScheduleCommand(program: Command): void {
  const group = program
    .command('schedule')
    .description('run a matrix on a timetable (Temporal Schedules): create, list, describe, pause, …');

  addConnectionOptions(
    group
      .command('create')
      .description('create a schedule that starts the spec file’s matrix at each cron time')
      .argument('<name>', 'the schedule’s name (its id)')
      .requiredOption('--cron <expr>', "five-field cron or @daily/@weekly/@every 12h, e.g. '0 3 * * *'")
      .option('--timezone <tz>', 'IANA time zone of the cron expression (default UTC)')
      .requiredOption('--spec <file>', 'the matrix spec (JSON or YAML), validated and stored now')
      .option(
        '--overlap <policy>',
        'when the previous matrix still runs: skip, buffer-one, …, allow-all',
        'skip',
      )
      .option('--catchup-window <dur>', 'start missed times up to this late after an outage', '1h')
      .option('--task-queue <queue>', 'workflow task queue', WORKFLOW_QUEUE)
      .option('--note <text>', 'a note shown with the schedule'),
  ).action(async (name: string, f: CreateFlags) => {
    // Everything is validated before a connection is opened.
    let options;
    try {
      const { spec, path } = await loadMatrixSpec(f.spec);
      options = {
        name,
        cron: f.cron,
        spec,
        specPath: path,
        taskQueue: f.taskQueue,
        overlap: f.overlap,
        catchupWindow: f.catchupWindow,
        ...(f.timezone !== undefined ? { timezone: f.timezone } : {}),
        ...(f.note !== undefined ? { note: f.note } : {}),
      };
      scheduleOptionsOf(options);
    } catch (err) {
      if (!(err instanceof SpecFileError || err instanceof ScheduleInputError)) throw err;
      console.error(`fsto schedule create: ${err.message}`);
      process.exitCode = EXIT.badInput;
      return;
    }
    await withSession(f, async (s) => {
      await createMatrixSchedule(s.client, options);
      console.log(
        `schedule ${name} created: ${f.cron} ${f.timezone ?? 'UTC'}, matrix from ${options.specPath}`,
      );
      const within = options.spec.claimWithinSec ?? defaultClaimWithinSec(f.cron);
      console.log(`a night no host takes within ${within} s (claimWithinSec) ends and says so`);
      if (s.embedded)
        console.log(
          'note: it fires only while a Temporal server (`fsto server`) and a worker (`fsto worker`) run',
        );
    });
  });

  addConnectionOptions(
    group.command('list').description('list schedules').option('--json', 'print JSON'),
  ).action(async (f: ConnectOpts & { json?: boolean }) => {
    await withSession(f, async (s) => {
      const rows = await listSchedules(s.client);
      if (f.json) return void console.log(JSON.stringify(rows, null, 2));
      if (rows.length === 0) return void console.log('no schedules');
      for (const r of rows)
        console.log(
          `${r.name.padEnd(24)} ${r.paused ? 'PAUSED' : 'active'}  ${(r.cron ?? '?').padEnd(16)} ${r.timezone ?? ''}  next ${r.next ?? '-'}  ${r.specFile ?? ''}`,
        );
    });
  });

  addConnectionOptions(
    group
      .command('describe')
      .description('show a schedule')
      .argument('<name>')
      .option('--json', 'print JSON'),
  ).action(async (name: string, f: ConnectOpts & { json?: boolean }) => {
    await withSession(f, async (s) => {
      const d = await s.client.schedule.getHandle(name).describe();
      if (f.json) {
        const { raw: _raw, ...rest } = d;
        console.log(JSON.stringify(rest, null, 2));
      } else console.log(describeText(d));
    });
  });

  for (const [verb, what] of [
    ['pause', 'stop taking actions until unpaused'],
    ['unpause', 'take actions again'],
  ] as const) {
    addConnectionOptions(
      group.command(verb).description(what).argument('<name>').option('--note <text>', 'why'),
    ).action(async (name: string, f: ConnectOpts & { note?: string }) => {
      await withSession(f, async (s) => {
        await s.client.schedule.getHandle(name)[verb](f.note ?? `fsto schedule ${verb}`);
        console.log(`schedule ${name} ${verb}d`);
      });
    });
  }

  addConnectionOptions(
    group
      .command('trigger')
      .description('start the matrix now (overlap: the schedule’s own policy unless given)')
      .argument('<name>')
      .option('--overlap <policy>', 'skip, buffer-one, buffer-all, cancel-other, terminate-other, allow-all'),
  ).action(async (name: string, f: ConnectOpts & { overlap?: string }) => {
    let overlap;
    try {
      overlap = f.overlap === undefined ? undefined : overlapOf(f.overlap);
    } catch (err) {
      console.error(`fsto schedule trigger: ${(err as Error).message}`);
      process.exitCode = EXIT.badInput;
      return;
    }
    await withSession(f, async (s) => {
      await s.client.schedule.getHandle(name).trigger(overlap);
      console.log(`schedule ${name} triggered; see 'fsto schedule describe ${name}' for the started matrix`);
    });
  });

  addConnectionOptions(
    group.command('delete').description('delete a schedule (running matrices go on)').argument('<name>'),
  ).action(async (name: string, f: ConnectOpts) => {
    await withSession(f, async (s) => {
      await s.client.schedule.getHandle(name).delete();
      console.log(`schedule ${name} deleted`);
    });
  });
}
