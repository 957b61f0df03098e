import { randomBytes } from 'node:crypto';

/** Readable, sortable workflow ids: <prefix>-20261121-223015-3fa2. */
export function readableId(prefix: string, now = new Date()): string {
  const stamp = now.toISOString().replace(/[-:]/g, '').replace('T', '-').slice(0, 15);
  return `${prefix}-${stamp}-${randomBytes(2).toString('hex')}`;
}

/** A run's id: fsto-xfs-20261121-223015-3fa2. */
export function runId(fs: string, now = new Date()): string {
  return readableId(`fsto-${fs}`, now);
}
