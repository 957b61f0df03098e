import { readFile, rm, writeFile, mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { pidAlive } from '../../activities/pid';
import { UI_ENV } from './embedded-config';

// The background server and worker `fsto up` starts: pid files in <stateDir>/bg/, read by every
// command (`fsto run` uses a live background worker instead of starting one in-process).

export type BgName = 'server' | 'ui' | 'worker';

export const bgDir = (stateDir: string) => join(stateDir, 'bg');
const pidFile = (stateDir: string, name: BgName) => join(bgDir(stateDir), `${name}.pid`);
export const bgLog = (stateDir: string, name: BgName) => join(bgDir(stateDir), `${name}.log`);

/** The process's pid when it is alive and is what the file says (its command line names fsto's role). */
export async function bgPid(stateDir: string, name: BgName): Promise<number | undefined> {
  const pid = Number((await readFile(pidFile(stateDir, name), 'utf8').catch(() => '')).trim());
  if (!pid || !pidAlive(pid)) return undefined;
  const cmdline = await readFile(`/proc/${pid}/cmdline`, 'utf8').catch(() => '');
  const role = { worker: '\0worker', server: 'temporal-server.yaml\0', ui: `\0${UI_ENV}\0start` }[name];
  return cmdline.includes(role) ? pid : undefined;
}

export async function writeBgPid(stateDir: string, name: BgName, pid: number): Promise<void> {
  await mkdir(bgDir(stateDir), { recursive: true });
  await writeFile(pidFile(stateDir, name), `${pid}\n`);
}

export async function clearBgPid(stateDir: string, name: BgName): Promise<void> {
  await rm(pidFile(stateDir, name), { force: true });
}
