import { readFile, rm } from 'node:fs/promises';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { Client, Connection } from '@temporalio/client';
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
// on these hosts). Who ran the VM is read from /proc: its parent is the background worker. Who
// started the run is read from the server's history: the identity of its first event is the
// starting client's pid@host (the SDK's default), the worker's when fsto run handed the start over.

/** The identity that started a workflow, as the server recorded it. */
async function startedBy(port: number, workflowId: string): Promise<string | undefined> {
  const connection = await Connection.connect({ address: `127.0.0.1:${port}` });
  try {
    const history = await new Client({ connection }).workflow.getHandle(workflowId).fetchHistory();
    return history.events?.[0]?.workflowExecutionStartedEventAttributes?.identity ?? undefined;
  } finally {
    await connection.close();
  }
}
describe('fsto up / fsto run / fsto down', () => {
  it('fsto run uses the background worker; fsto down stops it and the server', async () => {
    const { stateDir, env, port } = await cliSandbox('bg');
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
      expect(await startedBy(port, id)).toBe(`${worker}@${hostname()}`);

      // No hand-over (the worker's socket gone): the command starts the run itself, which the
      // background worker still runs.
      await rm(join(stateDir, 'bg', 'worker.sock'));
      const own = execa(FSTO, ['run', '-c', 'xfs/4k', '--devices-profile', 'fstests_small', 'fixture/001'], {
        env,
        reject: false,
      });
      const o = await own;
      expect(o.exitCode, o.stderr).toBe(0);
      const ownId = /run (\S+) started/.exec(o.stdout)![1]!;
      expect(await startedBy(port, ownId)).toBe(`${own.pid}@${hostname()}`);
      expect(o.stdout).toMatch(new RegExp(`fixture/001\\s+${oracle['fixture/001']}`));
    } finally {
      const down = await execa(FSTO, ['down'], { env, reject: false });
      expect(down.stdout).toMatch(/worker: stopped[\s\S]*server: stopped/);
    }
    expect(await processesMentioning(stateDir)).toEqual([]);
  }, 900_000);
});
