import { appendFile, mkdir } from 'node:fs/promises';
import { hostname } from 'node:os';
import { dirname, join } from 'node:path';

// The audit trail of what touched the host: one JSON line per resource created or released,
// with the run it belongs to, on stderr and appended to <stateDir>/audit.log.

export interface AuditEvent {
  action: 'create' | 'release';
  kind: string;
  runKey: string;
  [detail: string]: unknown;
}

export type Audit = (event: AuditEvent) => Promise<void>;

export function createAudit(stateDir: string, opts: { stderr?: boolean } = {}): Audit {
  const file = join(stateDir, 'audit.log');
  const toStderr = opts.stderr ?? true;
  return async (event) => {
    const line = JSON.stringify({
      ts: new Date().toISOString(),
      host: hostname(),
      pid: process.pid,
      ...event,
    });
    if (toStderr) process.stderr.write(`${line}\n`);
    await mkdir(dirname(file), { recursive: true });
    // One write per line in append mode: lines from concurrent runs do not interleave.
    await appendFile(file, `${line}\n`);
  };
}
