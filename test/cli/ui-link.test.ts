import { execa } from 'execa';
import { describe, expect, inject, it } from 'vitest';
import { FIXTURE } from '../e2e/fixture';
import { FSTO, cliSandbox } from '../e2e/cli-sandbox';
import { connect } from '../helpers/temporal';

// A cluster user (TEMPORAL_ADDRESS + FSTO_UI_URL, as scripts/cluster.sh's env file sets them) gets
// the run's link in the cluster's Web UI, not in an embedded server's (found trying a real
// 1.32.2 cluster: `fsto run` printed http://localhost:8233/… for a UI on :8080). The server is the
// harness's real dev server standing in for the cluster; no worker polls the run's queue, so the run
// only starts and is terminated.
describe('fsto run against a cluster', () => {
  it("prints the run's page in FSTO_UI_URL's Web UI", async () => {
    const sb = await cliSandbox('ui-link');
    const queue = `ui-link-${Date.now()}`;
    const child = execa(
      FSTO,
      ['run', '--fs', 'xfs', '--fstests', FIXTURE, '--task-queue', queue, 'fixture/001'],
      {
        env: {
          ...sb.env,
          TEMPORAL_ADDRESS: inject('temporalAddress'),
          FSTO_UI_URL: 'http://ui.example.test:8080/',
        },
        reject: false,
        all: true,
      },
    );
    let out = '';
    await new Promise<void>((resolve, reject) => {
      const t = setTimeout(() => reject(new Error(`no UI line in 60 s:\n${out}`)), 60_000);
      child.all.on('data', (d: Buffer) => {
        out += String(d);
        if (/Temporal UI: \S+\n/.test(out)) {
          clearTimeout(t);
          resolve();
        }
      });
    });
    child.kill('SIGKILL');
    await child;
    const id = /run (\S+) started/.exec(out)?.[1];
    expect(id, out).toBeDefined();
    const env = await connect();
    try {
      await env.client.workflow.getHandle(id!).terminate('test over');
    } finally {
      await env.close();
    }
    expect(out).toContain(`Temporal UI: http://ui.example.test:8080/namespaces/default/workflows/${id}\n`);
  }, 120_000);
});
