// Validate schedule input before the server sees it: the server's own errors name neither the
// flag nor the fix. We accept the subset of Temporal's cron syntax people use: five fields,
// the @-shorthands and @every; anything else gets an error that says what to write instead.

const SHORTHANDS = ['@yearly', '@monthly', '@weekly', '@daily', '@hourly'];
const MONTHS = ['jan', 'feb', 'mar', 'apr', 'may', 'jun', 'jul', 'aug', 'sep', 'oct', 'nov', 'dec'];
const DAYS = ['sun', 'mon', 'tue', 'wed', 'thu', 'fri', 'sat'];

export interface Field {
  name: string;
  min: number;
  max: number;
  names?: string[];
  /** Value of names[0]: months count from 1, days from 0. */
  nameBase?: number;
}

export const FIELDS: Field[] = [
  { name: 'minute', min: 0, max: 59 },
  { name: 'hour', min: 0, max: 23 },
  { name: 'day of month', min: 1, max: 31 },
  { name: 'month', min: 1, max: 12, names: MONTHS, nameBase: 1 },
  { name: 'day of week', min: 0, max: 7, names: DAYS, nameBase: 0 },
];

const EXAMPLE = "e.g. '0 3 * * *' (03:00 daily), '30 1 * * sat' or '@daily'";

export function value(token: string, f: Field): number | string {
  const i = f.names?.indexOf(token.toLowerCase()) ?? -1;
  if (i >= 0) return i + (f.nameBase ?? 0);
  if (!/^\d+$/.test(token)) return `"${token}" is not a number${f.names ? ` or a ${f.name} name` : ''}`;
  const n = Number(token);
  return n < f.min || n > f.max ? `${n} is out of range ${f.min}-${f.max}` : n;
}

/** A problem with one item of a field (`*`, `*\/15`, `5`, `1-5`, `1-5/2`), or undefined. */
function itemProblem(item: string, f: Field): string | undefined {
  const [range, step, extra] = item.split('/');
  if (extra !== undefined || range === undefined || range === '') return `"${item}" is not a ${f.name}`;
  if (step !== undefined && !/^[1-9]\d*$/.test(step)) return `step "${step}" must be a positive number`;
  if (range === '*') return undefined;
  const [lo, hi, more] = range.split('-');
  if (more !== undefined || lo === undefined) return `"${range}" is not a ${f.name} or a range`;
  const a = value(lo, f);
  if (typeof a === 'string') return a;
  if (hi === undefined) return undefined;
  const b = value(hi, f);
  if (typeof b === 'string') return b;
  return a > b ? `range ${range} runs backwards` : undefined;
}

/** Undefined when `expr` is a cron expression we accept; else what is wrong and how to fix it. */
export function cronProblem(expr: string): string | undefined {
  const e = expr.trim();
  if (e === '') return `--cron is empty; ${EXAMPLE}`;
  if (/^(CRON_)?TZ=/.test(e)) return '--cron: give the time zone with --timezone, not in the expression';
  if (e.startsWith('@every')) {
    return /^@every\s+\d+[smhd](\/\d+[smhd])?$/.test(e)
      ? undefined
      : "--cron: write @every like '@every 12h' (units s, m, h, d)";
  }
  if (e.startsWith('@'))
    return SHORTHANDS.includes(e) ? undefined : `--cron: "${e}" is not one of ${SHORTHANDS.join(', ')}`;
  const parts = e.split(/\s+/);
  if (parts.length !== 5)
    return `--cron: ${parts.length} fields; give 5 (minute hour day-of-month month day-of-week), ${EXAMPLE}`;
  for (let i = 0; i < 5; i++) {
    const f = FIELDS[i]!;
    for (const item of parts[i]!.split(',')) {
      const p = itemProblem(item, f);
      if (p) return `--cron: field ${i + 1} (${f.name}): ${p}; ${EXAMPLE}`;
    }
  }
  return undefined;
}

/** Undefined when the IANA zone is known (to Node's ICU, as to the server's tz database). */
export function timezoneProblem(tz: string): string | undefined {
  try {
    new Intl.DateTimeFormat('en', { timeZone: tz });
    return undefined;
  } catch {
    return `--timezone: "${tz}" is not an IANA time zone; e.g. UTC, Europe/Berlin, America/New_York`;
  }
}

/** `90s`, `30m`, `1h`, `2d` → milliseconds; a string naming the problem otherwise. */
export function parseWindow(s: string, flag: string, minMs = 10_000): number | string {
  const m = /^(\d+)(s|m|h|d)$/.exec(s.trim());
  const unit = { s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 } as const;
  if (!m) return `${flag}: "${s}" is not a duration; e.g. 90s, 30m, 1h, 2d`;
  const ms = Number(m[1]) * unit[m[2] as keyof typeof unit];
  return ms < minMs ? `${flag}: at least ${minMs / 1000}s (Temporal's minimum)` : ms;
}
