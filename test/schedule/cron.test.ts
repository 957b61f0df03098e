import { describe, expect, it } from 'vitest';
import { cronProblem, parseWindow, timezoneProblem } from '../../client/schedule/cron';
import { cronGapSec, defaultClaimWithinSec } from '../../client/schedule/night-gap';
import { ScheduleInputError, scheduleOptionsOf } from '../../client/schedule/schedules';
import { MatrixSpec } from '../../common/schemas';

// Schedule input is refused before any server is contacted, with the flag and the fix.

describe('cronProblem', () => {
  it.each([
    '0 3 * * *',
    '*/15 * * * *',
    '30 1 * * sat',
    '0 0 1,15 jan-jun 1-5',
    '5 4 * * 7',
    '@daily',
    '@every 12h',
    '@every 1d/2h',
  ])('accepts %s', (e) => expect(cronProblem(e)).toBeUndefined());

  it.each([
    ['', /--cron is empty/],
    ['0 3 * *', /4 fields; give 5 \(minute hour day-of-month month day-of-week\)/],
    ['0 25 * * *', /field 2 \(hour\): 25 is out of range 0-23/],
    ['61 * * * *', /field 1 \(minute\): 61 is out of range 0-59/],
    ['0 0 0 * *', /field 3 \(day of month\): 0 is out of range 1-31/],
    ['0 0 * foo *', /field 4 \(month\): "foo" is not a number or a month name/],
    ['0 0 * * 5-1', /field 5 \(day of week\): range 5-1 runs backwards/],
    ['*/0 * * * *', /step "0" must be a positive number/],
    ['@fortnightly', /not one of @yearly, @monthly, @weekly, @daily, @hourly/],
    ['@every often', /write @every like '@every 12h'/],
    ['CRON_TZ=UTC 0 3 * * *', /--timezone/],
  ])('refuses %j', (e, expected) => expect(cronProblem(e)).toMatch(expected));
});

describe('timezone and windows', () => {
  it('knows IANA zones', () => {
    expect(timezoneProblem('Europe/Berlin')).toBeUndefined();
    expect(timezoneProblem('Mars/Olympus')).toMatch(/--timezone: "Mars\/Olympus" is not an IANA time zone/);
  });
  it('parses durations with a minimum', () => {
    expect(parseWindow('1h', '--catchup-window')).toBe(3_600_000);
    expect(parseWindow('90s', '--catchup-window')).toBe(90_000);
    expect(parseWindow('5s', '--catchup-window')).toMatch(/at least 10s/);
    expect(parseWindow('an hour', '--catchup-window')).toMatch(/not a duration; e.g. 90s/);
  });
});

describe('scheduleOptionsOf', () => {
  const spec = MatrixSpec.parse({ fstests: '/f', configs: [{ name: 'xfs', fs: 'xfs' }] });
  const req = { name: 'nightly', cron: '0 3 * * *', spec, specPath: '/specs/n.yaml', taskQueue: 'fstests' };

  it('starts fstestsMatrix with the spec, named after the schedule; SKIP and 1h by default', () => {
    const o = scheduleOptionsOf(req);
    expect(o.scheduleId).toBe('nightly');
    expect(o.spec.cronExpressions).toEqual(['0 3 * * *']);
    expect(o.action).toMatchObject({
      workflowType: 'fstestsMatrix',
      taskQueue: 'fstests',
      workflowId: 'fsto-matrix-nightly',
    });
    // A night no host takes ends by the next one: claimWithinSec = the gap between nights.
    expect(o.action.args).toEqual([{ ...spec, name: 'nightly', claimWithinSec: 86400 }]);
    expect(o.action.memo).toMatchObject({ specFile: '/specs/n.yaml', schedule: 'nightly' });
    expect(o.policies).toEqual({ overlap: 'SKIP', catchupWindow: 3_600_000 });
    expect(o.memo).toMatchObject({ specFile: '/specs/n.yaml', cron: '0 3 * * *' });
  });

  it('collects every problem in one error', () => {
    const err = (() => {
      try {
        scheduleOptionsOf({
          ...req,
          name: 'a b',
          cron: '0 99 * * *',
          timezone: 'Nowhere',
          overlap: 'sometimes',
          catchupWindow: 'x',
        });
      } catch (e) {
        return e;
      }
    })() as ScheduleInputError;
    expect(err).toBeInstanceOf(ScheduleInputError);
    const lines = err.message.split('\n');
    expect(lines).toHaveLength(5);
    expect(err.message).toMatch(/NAME: "a b"/);
    expect(err.message).toMatch(/field 2 \(hour\)/);
    expect(err.message).toMatch(/--timezone/);
    expect(err.message).toMatch(/--overlap: "sometimes" is not one of skip, buffer-one/);
    expect(err.message).toMatch(/--catchup-window/);
  });
});

describe("the night gap (a schedule's default claimWithinSec)", () => {
  const from = new Date('2026-12-07T12:00:00Z');
  it.each([
    ['0 3 * * *', 86400],
    ['@daily', 86400],
    ['30 1 * * sat', 7 * 86400],
    ['0 3 * * 1-5', 86400],
    ['0 3,15 * * *', 12 * 3600],
    ['*/15 * * * *', 900],
    ['5/20 2 * * *', 1200],
    ['0 0 1 * *', 28 * 86400],
    ['@every 12h', 12 * 3600],
    ['0 3 * * 7', 7 * 86400],
  ])('%s: %i s', (cron, sec) => expect(cronGapSec(cron, from)).toBe(sec));

  it('23 h when the cron never fires twice (or is not ours to read)', () => {
    expect(cronGapSec('0 0 31 2 *', from)).toBeUndefined();
    expect(defaultClaimWithinSec('0 0 31 2 *', from)).toBe(23 * 3600);
    expect(defaultClaimWithinSec('not a cron', from)).toBe(23 * 3600);
    // Leap days only: 4 years apart, more than the schema takes; capped at its bound (366 days).
    expect(cronGapSec('0 3 29 2 *', from)).toBe(1461 * 86400);
    expect(defaultClaimWithinSec('0 3 29 2 *', from)).toBe(366 * 86400);
  });

  it("a spec's own claimWithinSec wins over the schedule's default", () => {
    const own = MatrixSpec.parse({
      fstests: '/f',
      configs: [{ name: 'xfs', fs: 'xfs' }],
      claimWithinSec: 60,
    });
    const o = scheduleOptionsOf({
      name: 'n',
      cron: '@hourly',
      spec: own,
      specPath: '/s.json',
      taskQueue: 'q',
    });
    expect(o.action.args).toEqual([{ ...own, name: 'n' }]);
    const dflt = scheduleOptionsOf({
      name: 'n',
      cron: '@hourly',
      spec: MatrixSpec.parse({ fstests: '/f', configs: [{ name: 'xfs', fs: 'xfs' }] }),
      specPath: '/s.json',
      taskQueue: 'q',
    });
    expect((dflt.action.args as [{ claimWithinSec?: number }])[0].claimWithinSec).toBe(3600);
  });
});
