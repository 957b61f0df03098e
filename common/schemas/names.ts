import { z } from 'zod';

// Names end up in file names, loop-device back-references and guest serials: keep them boring.
export const Name = z
  .string()
  .regex(/^[A-Za-z0-9._-]{1,64}$/, 'use 1-64 characters from A-Z a-z 0-9 . _ -')
  .refine((s) => s !== '.' && s !== '..' && !s.includes('..'), 'must not contain ".."');

/** A run's name on its host (hostKeyOf its workflow id): usable as a directory name. */
export const RunKey = z
  .string()
  .regex(/^[A-Za-z0-9._-]{1,200}$/, 'use A-Z a-z 0-9 . _ - (hostKeyOf makes one of any workflow id)')
  .refine(
    (s) => s !== '.' && !s.includes('..'),
    'must not be "." or contain ".." (hostKeyOf makes one of any workflow id)',
  );

const SAFE_KEY = /^[A-Za-z0-9._-]{1,200}$/;
const KEEP = 100;

/**
 * The host's name for a run (ledger and run directories, VM argv, loop back-references) from its
 * workflow id, whatever that id is: a Schedule's `<id>-2026-12-03T07:08:07Z`, a UI's `a/b c`. An id
 * that is a safe key already is its own key (every run before this existed, and most now); any
 * other becomes its safe characters (the rest as `_`, at most 100) and a stable hash of the whole
 * id, so two ids never share a key by their replaced characters. Pure: workflow code computes it.
 * The ledger records the workflow id beside a key that differs (Ledger.setWorkflowId).
 */
export function hostKeyOf(workflowId: string): string {
  if (SAFE_KEY.test(workflowId) && workflowId !== '.' && !workflowId.includes('..')) return workflowId;
  const safe = workflowId
    .replace(/[^A-Za-z0-9._-]/g, '_')
    .replace(/\.\.+/g, '_')
    .slice(0, KEEP);
  return `${safe}-${fnv1a(workflowId, 0x811c9dc5)}${fnv1a(workflowId, 0x01000193)}`;
}

/** FNV-1a over UTF-16 code units, 8 hex digits. */
function fnv1a(s: string, seed: number): string {
  let h = seed >>> 0;
  for (let i = 0; i < s.length; i++) h = Math.imul(h ^ s.charCodeAt(i), 0x01000193) >>> 0;
  return h.toString(16).padStart(8, '0');
}
