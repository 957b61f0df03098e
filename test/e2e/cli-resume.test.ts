import { writeFile } from 'node:fs/promises';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { Client, Connection } from '@temporalio/client';
import { execa } from 'execa';
import { describe, expect, it } from 'vitest';
import { WORKFLOW_QUEUE } from '../../common/queues';
import { expectedVerdicts } from '../parity/oracle';
import { cliSandbox, FSTO } from './cli-sandbox';
import { fixtureSpec } from './fixture';

// A run left open by an earlier command (its worker gone: detached, or the command killed) resumes
// in the next command that brings a worker: that command must say so before anything else, naming
// the run and how to follow or cancel it. Here the leftover is started on the embedded server while
// no worker polls (`fsto up --no-worker`), as a killed command leaves it; it names an fstests tree
// that does not exist, so once resumed it ends soon (no second guest on this 2-core host). The
// command's own run is real: one fixture test in a TCG guest.
describe('a run left open resumes in the next fsto run', () => {
  it('is announced with its id, and the command still runs its own', async () => {
    const { stateDir, cfgDir, port, env } = await cliSandbox('resume');
    const devices = join(cfgDir, 'devices.yaml');
    await writeFile(
      devices,
      'devices:\n  - { name: test, size: 1G, envVar: TEST_DEV }\n  - { name: scratch, size: 1G, envVar: SCRATCH_DEV }\n',
    );
    let connection: Connection | undefined;
    try {
      await execa(FSTO, ['up', '--no-worker'], { env });
      connection = await Connection.connect({ address: `127.0.0.1:${port}` });
      const leftover = `left-open-${Date.now()}`;
      const client = new Client({ connection });
      await client.workflow.start('fstestsRun', {
        taskQueue: WORKFLOW_QUEUE,
        workflowId: leftover,
        args: [fixtureSpec(['fixture/001'], { fstests: join(stateDir, 'no-such-fstests') })],
      });
      const command = execa(FSTO, ['run', '-c', 'xfs/4k', '--devices-spec', devices, 'fixture/001'], {
        env,
        reject: false,
        all: true,
      });
      const r = await command;
      const out = r.all;
      expect(r.exitCode, out).toBe(0);
      const said = out.indexOf('resuming 1 run(s) left open by an earlier command');
      expect(said, out).toBeGreaterThanOrEqual(0);
      expect(said).toBeLessThan(out.indexOf('started (xfs/4k)'));
      expect(out).toContain(
        `${leftover} (fstestsRun)  follow: fsto watch ${leftover}  cancel: fsto cancel ${leftover}`,
      );
      const oracle = await expectedVerdicts('fixture', 'guest');
      expect(out).toMatch(new RegExp(`fixture/001\\s+${oracle['fixture/001']}`));

      // It did resume there: the server saw that command's worker (its default identity, pid@host)
      // take the leftover's workflow tasks. Whether it also ended there depends on which run took
      // the host's one VM slot first (2 cores: 1 slot); if not, it waits for the next worker.
      const history = await client.workflow.getHandle(leftover).fetchHistory();
      const takenBy = new Set(
        history.events?.map((e) => e.workflowTaskStartedEventAttributes?.identity).filter(Boolean),
      );
      expect([...takenBy]).toEqual([`${command.pid}@${hostname()}`]);
    } finally {
      await connection?.close();
      await execa(FSTO, ['down'], { env, reject: false });
    }
  }, 900_000);
});
