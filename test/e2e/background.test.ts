import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { execa } from 'execa';
import { describe, expect, it } from 'vitest';
import { expectedVerdicts } from '../parity/oracle';
import { cliSandbox, FSTO } from './cli-sandbox';
import { leftovers, NOTHING_LEFT, processesMentioning } from './leaks';

const ppidOf = async (pid: number) =>
  Number((await readFile(`/proc/${pid}/stat`, 'utf8')).split(') ')[1]!.split(' ')[1]);
const alive = (pid: number) => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};

// fsto up: a background server and worker that later commands find (TCG guest: KVM does not work
// on these hosts). Who ran the VM is read from /proc: its parent is the background worker.
describe('fsto up / fsto run / fsto down', () => {
  it('fsto run uses the background worker; fsto down stops it and the server', async () => {
    const { stateDir, env } = await cliSandbox('bg');
    try {
      const up = await execa(FSTO, ['up'], { env });
      const worker = Number(/worker: started \(pid (\d+)/.exec(up.stdout)?.[1]);
      const server = Number((await readFile(join(stateDir, 'bg', 'server.pid'), 'utf8')).trim());
      expect(alive(worker) && alive(server)).toBe(true);
      expect((await execa(FSTO, ['up'], { env })).stdout).toMatch(/already/); // idempotent

      const run = execa(FSTO, ['run', '-c', 'xfs/4k', '--devices-profile', 'fstests_small', 'fixture/001'], {
        env,
        reject: false,
      });
      let vmParent: number | undefined;
      while (vmParent === undefined && run.exitCode === null) {
        const [qemu] = await processesMentioning(join(stateDir, 'runs'));
        vmParent = qemu ? await ppidOf(qemu).catch(() => undefined) : undefined;
        await new Promise((r) => setTimeout(r, 100));
      }
      const r = await run;
      expect(r.exitCode, r.stderr).toBe(0);
      expect(vmParent).toBe(worker);
      const oracle = await expectedVerdicts('fixture', 'guest');
      expect(r.stdout).toMatch(new RegExp(`fixture/001\\s+${oracle['fixture/001']}`));
      const id = /run (\S+) started/.exec(r.stdout)![1]!;
      expect(await leftovers(stateDir, id)).toEqual(NOTHING_LEFT);
    } finally {
      const down = await execa(FSTO, ['down'], { env, reject: false });
      expect(down.stdout).toMatch(/worker: stopped[\s\S]*server: stopped/);
    }
    expect(await processesMentioning(stateDir)).toEqual([]);
  }, 900_000);
});
