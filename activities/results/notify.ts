import { Context } from '@temporalio/activity';
import type { MatrixSummary, NotifySpec } from '../../common/schemas';
import { uiLink } from '../../common/ui-link';
import { run } from '../process';
import { fstoEnv, fstoEnvs, type FstoEnv } from '../settings';
import { nightMail, nightMessage, type NightMessage } from './notify-message';

// The morning: after a matrix, its summary to whoever listens — the spec's `notify` and the
// worker's FSTO_NOTIFY_WEBHOOK / FSTO_NOTIFY_MAIL. A webhook gets a POST of the JSON message;
// mail goes through the host's sendmail (FSTO_SENDMAIL, default /usr/sbin/sendmail; argv as
// data). A failure is logged and reported back, never thrown: it must not fail the matrix.

export interface NotifyInput {
  summary: MatrixSummary;
  notify?: NotifySpec;
  /** The server's namespace, for the UI link. */
  namespace: string;
}

export interface NotifyOutput {
  sent: string[];
  failed: string[];
}

export function notifyTargets(spec: NotifySpec | undefined, env: FstoEnv = fstoEnvs()): Required<NotifySpec> {
  const hooks = [spec?.webhook, env.FSTO_NOTIFY_WEBHOOK].filter((h): h is string => !!h);
  const mail = [...(spec?.mail ?? []), ...(env.FSTO_NOTIFY_MAIL ?? '').split(',').map((a) => a.trim())];
  return { webhook: [...new Set(hooks)].join(' '), mail: [...new Set(mail.filter(Boolean))] };
}

function warn(message: string, attrs: Record<string, unknown>): void {
  try {
    Context.current().log.warn(message, attrs);
  } catch {
    console.warn(message, attrs); // not in an activity (a test, a CLI)
  }
}

async function post(url: string, m: NightMessage): Promise<void> {
  const res = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'user-agent': 'fsto' },
    body: JSON.stringify(m),
    signal: AbortSignal.timeout(15_000),
  });
  if (!res.ok) throw new Error(`HTTP ${res.status} ${res.statusText}`);
}

async function mail(to: string[], m: NightMessage): Promise<void> {
  const sendmail = fstoEnv('FSTO_SENDMAIL') || '/usr/sbin/sendmail';
  const r = await run([sendmail, '-t', '-oi'], { input: nightMail(m, to), timeoutMs: 30_000 });
  if (r.exitCode !== 0) throw new Error(`${sendmail} exited ${r.exitCode}: ${r.stderr.slice(0, 500)}`);
}

export async function notifyNight(input: NotifyInput): Promise<NotifyOutput> {
  const targets = notifyTargets(input.notify);
  const uiBase = fstoEnv('FSTO_UI_URL');
  const uiUrl = uiBase ? uiLink(uiBase, input.namespace, input.summary.workflowId) : undefined;
  const m = nightMessage({ summary: input.summary, ...(uiUrl ? { uiUrl } : {}) });
  const out: NotifyOutput = { sent: [], failed: [] };
  const attempt = async (what: string, fn: () => Promise<void>) => {
    try {
      await fn();
      out.sent.push(what);
    } catch (err) {
      const msg = `${what}: ${(err as Error).message}`;
      out.failed.push(msg);
      warn('notification failed', { matrix: input.summary.workflowId, error: msg });
    }
  };
  for (const url of targets.webhook.split(' ').filter(Boolean))
    await attempt(`webhook ${url}`, () => post(url, m));
  if (targets.mail.length) await attempt(`mail ${targets.mail.join(', ')}`, () => mail(targets.mail, m));
  return out;
}
