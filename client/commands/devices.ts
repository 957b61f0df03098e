import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { Client, Connection } from '@temporalio/client';
import type { Command } from 'commander';
import { failureKind, FstoError } from '../../common/errors';
import { formatBytes, type DevicePlan } from '../../common/schemas';
import { deviceDeps, planOnHost, reapDevices } from '../../activities/devices/activities';
import { DEVICE_KINDS } from '../../activities/devices/release';
import { makeRunVerdict } from '../../workers/run-status';
import { hostId, stateDir as defaultStateDir } from '../../activities/settings';
import { hostQueue } from '../../common/queues';
import { Ledger } from '../../activities/ledger/ledger';
import { serverOwner, type RunOwner } from '../../activities/ledger/owner';
import type { ReapScope, RunVerdict } from '../../activities/ledger/reaper';
import { reapNotes } from '../devices/reap-text';
import { addConnectionOptions, connectionOptions, type ConnectOpts } from '../server/connection';
import { EXIT, exitCodeForFailure } from '../core/exit-codes';

// `fsto devices plan` (every check, nothing touched) and `fsto devices reap` (release what
// closed runs left behind on this host).

interface PlanFlags {
  profile?: string;
  tmpfs?: boolean;
  spec?: string;
  json?: boolean;
}

class CliRefusal extends Error {}

async function specFrom(f: PlanFlags): Promise<unknown> {
  if (f.spec === undefined) return { profile: f.profile, ...(f.tmpfs ? { useTmpfs: true } : {}) };
  if (f.profile !== undefined)
    throw new CliRefusal('give --profile or --spec, not both (a spec file may name its profile)');
  let spec: unknown;
  try {
    spec = JSON.parse(await readFile(f.spec, 'utf8'));
  } catch (err) {
    throw new CliRefusal(
      `--spec ${f.spec}: ${err instanceof Error ? err.message : String(err)}; give a JSON file`,
    );
  }
  if (f.tmpfs && spec && typeof spec === 'object' && !Array.isArray(spec)) return { ...spec, useTmpfs: true };
  return spec;
}

function planText(plan: DevicePlan): string {
  const rows = plan.devices.map((d) => {
    const source =
      d.source === 'block'
        ? `existing ${d.path}${d.readonly ? ' (read-only)' : ''}`
        : `${d.size} sparse file ${d.source === 'tmpfs' ? 'on tmpfs' : 'on disk'} → loop${d.readonly ? ' (read-only)' : ''}`;
    return `${d.guestDevice}  ${d.name.padEnd(12)} ${(d.envVar ?? '-').padEnd(17)} ${source}  serial ${d.serial}`;
  });
  const env = Object.entries(plan.env).map(([k, v]) => `  ${k}="${v}"`);
  return [
    ...rows,
    `tmpfs: ${formatBytes(plan.tmpfsBytes)}, sparse files on disk: ${formatBytes(plan.fileBytes)}`,
    'guest environment:',
    ...env,
    ...plan.notes.map((n) => `note: ${n}`),
    ...plan.warnings.map((w) => `warning: ${w}`),
  ].join('\n');
}

export function registerDevicesCommand(program: Command): void {
  const devices = program
    .command('devices')
    .description('the block devices runs attach to their VMs, on this host');

  devices
    .command('plan')
    .description(
      'run every check of a device spec, host checks included, and print the plan; creates nothing',
    )
    .option(
      '--profile <name>',
      'fstests_default (7×10G, the default), fstests_small (7×5G) or fstests_large (7×50G)',
    )
    .option('--tmpfs', "put the size devices' backing files on a per-run tmpfs")
    .option('--spec <file>', 'a JSON file: { "profile"?: name, "useTmpfs"?: bool, "devices"?: [device…] }')
    .option('--json', 'print the plan as JSON')
    .action(async (f: PlanFlags) => {
      try {
        const plan = await planOnHost(deviceDeps({ stateDir: defaultStateDir() }), await specFrom(f));
        console.log(f.json ? JSON.stringify(plan, null, 2) : planText(plan));
      } catch (err) {
        // The host library's refusal (FstoError): its kind decides the exit code, as for a run.
        if (!(err instanceof CliRefusal || err instanceof FstoError)) throw err;
        console.error(`fsto devices plan: ${err.message}`);
        process.exitCode = err instanceof FstoError ? exitCodeForFailure(failureKind(err)) : EXIT.badInput;
      }
    });

  addConnectionOptions(
    devices
      .command('reap')
      .description(
        'release the devices (loop devices, tmpfs mounts, backing files) that the ledger holds for runs that are no ' +
          'longer open, or open but gone to another host. Temporal says which runs are open: the workflow id is the run key, ' +
          'and a run Temporal does not know counts as closed. Only runs of that server and namespace are judged (as the ' +
          "worker's reaper does): runs another server owns are skipped and named. Without --address it asks " +
          '127.0.0.1:7233 (where `fsto server` and the embedded ' +
          'default listen) and never starts a server. Only what the ledger recorded is ever released.',
      )
      .option(
        '--assume-closed',
        "do not ask Temporal: treat every run in this host's ledger as closed (for when no server is reachable and " +
          'you know no run on this host is alive, e.g. after a reboot); devices of a live run would be pulled from its VM',
      ),
  ).action(async (f: ConnectOpts & { assumeClosed?: boolean }) => {
    const dir = defaultStateDir();
    const deps = deviceDeps({ stateDir: dir });
    let isRunOpen = async (_runKey: string): Promise<RunVerdict> => false;
    let scope: ReapScope | undefined;
    let close = async () => undefined;
    if (!f.assumeClosed) {
      const address = f.address ?? '127.0.0.1:7233';
      let conn: Connection;
      try {
        conn = await Connection.connect({
          ...(await connectionOptions({ ...f, address })),
          connectTimeout: 5_000,
        });
      } catch (err) {
        console.error(
          `fsto devices reap: cannot reach Temporal at ${address} to ask which runs are still open ` +
            `(${err instanceof Error ? err.message : String(err)}); start it, give --address, or pass --assume-closed ` +
            'if you know no run on this host is alive. Nothing was released.',
        );
        process.exitCode = EXIT.infraError;
        return;
      }
      close = async () => void (await conn.close());
      try {
        scope = { owner: await serverOwner(conn, f.namespace, address), unowned: true };
      } catch (err) {
        console.error(
          `fsto devices reap: ${address} did not say which server it is (${String(err)}). Nothing was released.`,
        );
        process.exitCode = EXIT.infraError;
        return close();
      }
      const client = new Client({ connection: conn, namespace: f.namespace }).workflow;
      isRunOpen = makeRunVerdict(client, hostQueue(hostId(dir)));
    }
    try {
      const report = await reapDevices(deps, isRunOpen, scope);
      const ledger = new Ledger(join(dir, 'ledger'));
      const owners: Record<string, RunOwner | undefined> = {};
      for (const k of report.skippedForeignRuns) owners[k] = await ledger.owner(k);
      for (const e of report.released) {
        console.log(`released ${e.kind} of ${e.runKey}: ${JSON.stringify(e.data)}`);
      }
      for (const line of reapNotes(report, scope?.owner, owners)) console.log(line);
      const failed = report.failed.filter((x) => DEVICE_KINDS.includes(x.entry.kind));
      for (const x of failed)
        console.error(`could not release ${x.entry.kind} of ${x.entry.runKey}: ${x.error}`);
      console.log(
        `reaped ${report.released.length} device resource(s); ${failed.length} left for a later try`,
      );
      if (failed.length) process.exitCode = EXIT.infraError;
    } finally {
      await close();
    }
  });
}
