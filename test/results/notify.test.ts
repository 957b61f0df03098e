import { createServer, type IncomingMessage } from 'node:http';
import { chmod, mkdtemp, readFile, writeFile } from 'node:fs/promises';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { boundComparison } from '../../activities/results/compare-bound';
import { compareRuns } from '../../activities/results/compare';
import { notifyNight } from '../../activities/results/notify';
import type { MatrixSummary } from '../../common/schemas';
import { MatrixSpec } from '../../common/schemas';

// The morning notification: a real HTTP listener on 127.0.0.1 gets the POST; mail goes to a
// stand-in for the host's sendmail (a script that keeps its argv and stdin: no MTA here).

const got: { path: string; body: unknown }[] = [];
let status = 200;
const server = createServer((req: IncomingMessage, res) => {
  let body = '';
  req.on('data', (c: Buffer) => (body += c.toString()));
  req.on('end', () => {
    got.push({ path: req.url ?? '', body: JSON.parse(body) as unknown });
    res.writeHead(status).end();
  });
});
let url: string;
let dir: string;
beforeAll(async () => {
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/hook`;
  dir = await mkdtemp(join(tmpdir(), 'fsto-notify-'));
});
afterAll(() => new Promise<void>((r) => server.close(() => r())));

const night = 'fsto-matrix-nightly-2026-12-03T03:00:00Z';
const comparison = compareRuns({
  baseId: 'fsto-matrix-nightly-2026-12-02T03:00:00Z',
  currentId: night,
  base: [
    { config: 'xfs', test: 'generic/001', verdict: 'pass' },
    { config: 'xfs', test: 'generic/002', verdict: 'fail' },
    { config: 'ext4', test: 'generic/003', verdict: 'pass' },
  ],
  current: [
    { config: 'xfs', test: 'generic/001', verdict: 'crashed' },
    { config: 'xfs', test: 'generic/002', verdict: 'pass' },
    { config: 'ext4', test: 'generic/003', verdict: 'pass', flakyAttempts: 2 },
  ],
});
const summary: MatrixSummary = {
  workflowId: night,
  status: 'failed',
  runs: [],
  comparison: boundComparison(comparison),
  report: '/var/lib/fsto/reports/night.html',
};

describe('notifyNight', () => {
  it('POSTs the night: regressions, fixes, new crashes, flaky, report and UI links', async () => {
    process.env.FSTO_UI_URL = 'http://ui.example:8233/';
    const out = await notifyNight({ summary, notify: { webhook: url }, namespace: 'default' });
    delete process.env.FSTO_UI_URL;
    expect(out).toEqual({ sent: [`webhook ${url}`], failed: [] });
    expect(got.at(-1)!.body).toMatchObject({
      matrix: night,
      night: '2026-12-03T03:00:00Z',
      outcome: 'regressed',
      baseline: 'fsto-matrix-nightly-2026-12-02T03:00:00Z',
      regressions: [{ config: 'xfs', test: 'generic/001', base: 'pass', current: 'crashed' }],
      newCrashes: [{ config: 'xfs', test: 'generic/001' }],
      fixes: [{ config: 'xfs', test: 'generic/002', base: 'fail', current: 'pass' }],
      flaky: [{ config: 'ext4', test: 'generic/003' }],
      report: '/var/lib/fsto/reports/night.html',
      ui: `http://ui.example:8233/namespaces/default/workflows/${encodeURIComponent(night)}`,
    });
  });

  it('mails through sendmail (argv as data, message on stdin); a failing webhook is reported, not thrown', async () => {
    const sendmail = join(dir, 'sendmail');
    await writeFile(sendmail, `#!/bin/sh\necho "$@" > ${dir}/argv\ncat > ${dir}/mail\n`);
    await chmod(sendmail, 0o755);
    process.env.FSTO_SENDMAIL = sendmail;
    status = 500;
    try {
      const out = await notifyNight({
        summary,
        notify: { webhook: url, mail: ['team@example.org'] },
        namespace: 'default',
      });
      expect(out.sent).toEqual(['mail team@example.org']);
      expect(out.failed).toEqual([`webhook ${url}: HTTP 500 Internal Server Error`]);
    } finally {
      delete process.env.FSTO_SENDMAIL;
      status = 200;
    }
    expect((await readFile(join(dir, 'argv'), 'utf8')).trim()).toBe('-t -oi');
    const mail = await readFile(join(dir, 'mail'), 'utf8');
    expect(mail).toMatch(
      /^To: team@example.org\nSubject: fstests nightly 2026-12-03: REGRESSED, 1 regression/,
    );
    expect(mail).toContain('REGRESSIONS (1):\n  xfs generic/001 (pass → crashed)');
    expect(mail).toContain('new crashes (1):');
    expect(mail).toContain('report: /var/lib/fsto/reports/night.html');
  });

  it('the spec refuses a bad webhook or address, naming the field', () => {
    const r = MatrixSpec.safeParse({
      fstests: '/f',
      configs: [{ name: 'x', fs: 'xfs' }],
      notify: { webhook: 'ftp://x', mail: ['nobody'] },
    });
    expect(r.success).toBe(false);
    const paths = r.error!.issues.map((i) => `${i.path.join('.')}: ${i.message}`);
    expect(paths).toEqual([
      'notify.webhook: give an http:// or https:// URL, e.g. https://hooks.example/fsto',
      'notify.mail.0: give a mail address such as team@example.org',
    ]);
  });
});
