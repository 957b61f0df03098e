import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Command } from 'commander';
import { pidAlive } from '../../activities/pid';
import { startService } from '../../activities/process';
import { stateDir } from '../../activities/settings';
import { bgLog, bgPid, clearBgPid, writeBgPid, type BgName } from '../server/background';
import { ensureDevServer } from '../server/dev-server';
import { DEFAULT_PORT, DEFAULT_UI_PORT } from '../server/dev-server-argv';
import { sweepStaleGuards } from '../server/port-guard';
import { loadUserDefaults } from '../core/user-config';

// `fsto up`: the embedded server and this host's worker in the background, so that commands
// start in about a second (no server start, no bundling, no KVM probe, no worker start); every
// command finds them. `fsto down` stops them (the worker first: it stops its VMs in order).

const FSTO = fileURLToPath(new URL('../../fsto', import.meta.url));

/** Until the log, past `from` (what earlier workers wrote), says `re`. */
async function untilLogSays(
  file: string,
  from: number,
  re: RegExp,
  pid: number,
  timeoutMs: number,
): Promise<void> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    const text = (await readFile(file, 'utf8').catch(() => '')).slice(from);
    if (re.test(text)) return;
    if (!pidAlive(pid) || Date.now() > end)
      throw new Error(
        `the background worker did not start; its log ${file} ends:\n${text.split('\n').slice(-15).join('\n')}`,
      );
    await new Promise((r) => setTimeout(r, 300));
  }
}

async function stop(dir: string, name: BgName, graceMs: number): Promise<string> {
  const pid = await bgPid(dir, name);
  if (!pid) {
    await clearBgPid(dir, name);
    return `${name}: not running`;
  }
  process.kill(pid, 'SIGTERM');
  const end = Date.now() + graceMs;
  while (pidAlive(pid) && Date.now() < end) await new Promise((r) => setTimeout(r, 200));
  if (pidAlive(pid)) process.kill(pid, 'SIGKILL');
  await clearBgPid(dir, name);
  return `${name}: stopped (pid ${pid})`;
}

export function registerUpCommands(program: Command): void {
  program
    .command('up')
    .description("start the embedded server and this host's worker in the background (fsto down stops them)")
    .option('--no-worker', 'the server only')
    .action(async (f: { worker: boolean }) => {
      const dir = stateDir();
      const d = await loadUserDefaults();
      const port = d.server?.port ?? DEFAULT_PORT;
      const server = await ensureDevServer({
        port,
        uiPort: d.server?.uiPort ?? DEFAULT_UI_PORT,
        outlive: true,
      });
      if (server.started && server.pid) await writeBgPid(dir, 'server', server.pid);
      if (server.started && server.uiPid) await writeBgPid(dir, 'ui', server.uiPid);
      console.log(
        server.started
          ? `server: started on ${server.address}${server.uiPid ? `, Web UI http://localhost:${server.uiPort}` : ''} (log ${join(dir, 'temporal-server.log')})`
          : `server: already answering on ${server.address}`,
      );
      if (!f.worker) return;
      const running = await bgPid(dir, 'worker');
      if (running)
        return console.log(`worker: already running (pid ${running}, log ${bgLog(dir, 'worker')})`);
      const log = bgLog(dir, 'worker');
      const before = (await readFile(log, 'utf8').catch(() => '')).length;
      const svc = startService(
        [FSTO, 'worker', '--address', server.address, '--metrics', 'off', '--local-starts'],
        {
          logFile: log,
          outlive: true,
        },
      );
      await writeBgPid(dir, 'worker', svc.pid);
      await untilLogSays(log, before, /fsto worker: host /, svc.pid, 180_000).catch(async (err: unknown) => {
        await clearBgPid(dir, 'worker');
        throw err;
      });
      const said = (await readFile(log, 'utf8')).slice(before).match(/fsto worker: host .*/)?.[0] ?? '';
      console.log(
        `worker: started (pid ${svc.pid}, log ${log})\n  ${said}\nfsto run now starts in about a second; fsto down stops both`,
      );
    });

  program
    .command('down')
    .description('stop what fsto up started (the worker first, so its VMs stop in order)')
    .action(async () => {
      const dir = stateDir();
      console.log(await stop(dir, 'worker', 60_000));
      console.log(await stop(dir, 'ui', 10_000));
      console.log(await stop(dir, 'server', 20_000));
      // The server's port guard (client/server/port-guard-rules.ts): its maker, fsto up, exited long ago.
      await sweepStaleGuards();
    });
}
