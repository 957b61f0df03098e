import { MAX_CLAIM_WITHIN_SEC } from '../../common/schemas';
import { FIELDS, cronProblem, value, type Field } from './cron';

// How long a scheduled night may wait for a host (its shards' claimWithinSec) when the spec does
// not say: until the next night could start — the shortest gap between two starts of the cron
// expression, read as Temporal reads it (every field must match; a day-of-week 7 is Sunday), in
// wall-clock time (a DST change moves one night a year by an hour). 23 h when it cannot tell.

export const FALLBACK_CLAIM_WITHIN_SEC = 23 * 3600;

const SHORTHAND_CRON: Record<string, string> = {
  '@hourly': '0 * * * *',
  '@daily': '0 0 * * *',
  '@weekly': '0 0 * * 0',
  '@monthly': '0 0 1 * *',
  '@yearly': '0 0 1 1 *',
};
const UNIT_SEC = { s: 1, m: 60, h: 3600, d: 86400 } as const;
const MAX_DAYS = 8 * 366;
const MAX_STARTS = 1000;

/** The values one field allows (`*`, `*\/15`, `1-5`, `mon-fri`, lists); undefined when unreadable. */
function allowed(text: string, f: Field): Set<number> | undefined {
  const out = new Set<number>();
  for (const item of text.split(',')) {
    const [range = '', step = '1'] = item.split('/');
    const [lo, hi] = range === '*' ? [f.min, f.max] : range.split('-').map((t) => value(t, f));
    if (typeof lo !== 'number' || (hi !== undefined && typeof hi !== 'number')) return undefined;
    const top = range === '*' || hi !== undefined ? Number(hi) : step !== '1' ? f.max : lo;
    for (let v = lo; v <= top; v += Number(step)) out.add(f.name === 'day of week' ? v % 7 : v);
  }
  return out;
}

/** The shortest gap in seconds between two starts of `cron`, or undefined. */
export function cronGapSec(cron: string, from = new Date()): number | undefined {
  const e = cron.trim();
  if (cronProblem(e) !== undefined) return undefined;
  const every = /^@every\s+(\d+)([smhd])/.exec(e);
  if (every) return Number(every[1]) * UNIT_SEC[every[2] as keyof typeof UNIT_SEC] || undefined;
  const sets = (SHORTHAND_CRON[e] ?? e).split(/\s+/).map((t, i) => allowed(t, FIELDS[i]!));
  if (sets.some((s) => s === undefined || s.size === 0)) return undefined;
  const [minutes, hours, days, months, weekdays] = sets as Set<number>[];
  const times = [...hours!].flatMap((h) => [...minutes!].map((m) => h * 60 + m)).sort((a, b) => a - b);
  const start = Date.UTC(from.getUTCFullYear(), from.getUTCMonth(), from.getUTCDate());
  const starts: number[] = [];
  for (let d = 0; d < MAX_DAYS && starts.length < MAX_STARTS; d++) {
    const day = new Date(start + d * 86400_000);
    if (!days!.has(day.getUTCDate()) || !months!.has(day.getUTCMonth() + 1)) continue;
    if (!weekdays!.has(day.getUTCDay())) continue;
    for (const t of times) starts.push(day.getTime() / 60_000 + t);
  }
  let gap = Infinity;
  for (let i = 1; i < starts.length; i++) gap = Math.min(gap, starts[i]! - starts[i - 1]!);
  return Number.isFinite(gap) ? gap * 60 : undefined;
}

/** A schedule's default claimWithinSec: the gap between nights (at most the schema's bound), else 23 h. */
export function defaultClaimWithinSec(cron: string, from = new Date()): number {
  return Math.min(cronGapSec(cron, from) ?? FALLBACK_CLAIM_WITHIN_SEC, MAX_CLAIM_WITHIN_SEC);
}
