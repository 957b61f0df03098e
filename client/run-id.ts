import { randomBytes } from 'node:crypto';

/** Workflow ids people can read and sort: fsto-xfs-20261121-223015-3fa2. */
export function runId(fs: string, now = new Date()): string {
  const stamp = now.toISOString().replace(/[-:]/g, '').replace('T', '-').slice(0, 15);
  return `fsto-${fs}-${stamp}-${randomBytes(2).toString('hex')}`;
}
