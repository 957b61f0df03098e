import { mkdtemp, writeFile } from 'node:fs/promises';
import { readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseXunit, readXunit, reportDir } from '../../activities/verdicts/xunit';

const samples = join(import.meta.dirname, '../fixtures/samples/xfstests-63a29724');
const sample = (f: string) => readFileSync(join(samples, f), 'utf8');

describe('parseXunit on real fstests result.xml', () => {
  it('reads passes, a failure with its diff and .full, the properties', () => {
    const rep = parseXunit(sample('run2-result.xml'))!;
    expect(rep.complete).toBe(true);
    expect(rep.properties.FSTYP).toBe('xfs');
    expect(rep.properties.SECTION).toBe('fsto');
    expect(rep.cases.map((c) => c.result)).toEqual([
      { name: 'ext4/001', verdict: 'pass', durationSec: 3 },
      { name: 'generic/001', verdict: 'pass', durationSec: 6 },
      {
        name: 'generic/002',
        verdict: 'fail',
        durationSec: 2,
        reason: '- output mismatch (see /tmp/rf/results/fsto/generic/002.out.bad)',
      },
      { name: 'generic/005', verdict: 'pass', durationSec: 1 },
    ]);
    const fail = rep.cases[2]!;
    expect(fail.systemErr).toMatch(/^--- tests\/generic\/002.out/);
    expect(fail.systemErr).toContain('-an extra line fsto added to provoke a mismatch');
    expect(fail.systemOut).toBe('umount: /dev/loop1: not mounted.');
  });

  it('reads real skipped tests, and the real mid-run report (rewritten before each test)', () => {
    expect(
      parseXunit(sample('run3-result.xml'))!
        .cases.map((c) => c.result)
        .slice(2),
    ).toEqual([
      { name: 'generic/108', verdict: 'notrun', durationSec: 1, reason: 'scsi_debug module not found' },
      {
        name: 'generic/487',
        verdict: 'notrun',
        durationSec: 0,
        reason: 'This test requires a valid $SCRATCH_LOGDEV',
      },
    ]);
    const partial = parseXunit(sample('run3-partial-result.xml'))!;
    expect(partial.complete).toBe(false);
    expect(partial.cases.map((c) => c.result)).toEqual([
      { name: 'ext4/001', verdict: 'pass', durationSec: 2 },
    ]);
  });

  it('reads skipped tests with and without a message', () => {
    const xml = `<?xml version="1.0"?><testsuite name="xfstests" failures="0" skipped="2" tests="2" time="3">
      <properties></properties>
      <testcase classname="xfstests.global" name="generic/108" time="1">
        <skipped message="this test requires a valid &quot;$SCRATCH_DEV_POOL&quot; &amp; more" />
      </testcase>
      <testcase classname="xfstests.global" name="generic/109" time="0"><skipped/></testcase>
    </testsuite>`;
    expect(parseXunit(xml)!.cases.map((c) => c.result)).toEqual([
      {
        name: 'generic/108',
        verdict: 'notrun',
        durationSec: 1,
        reason: 'this test requires a valid "$SCRATCH_DEV_POOL" & more',
      },
      { name: 'generic/109', verdict: 'notrun', durationSec: 0 },
    ]);
  });

  it('keeps CDATA that held "]]>" (fstests splits it) and a kernel log', () => {
    const xml = `<testsuite time="1"><properties/><testcase name="xfs/1" time="1"><failure message="m" type="TestFail" />
<kernel-log>
<![CDATA[
a ]]]]><![CDATA[> b
]]>
</kernel-log></testcase></testsuite>`;
    expect(parseXunit(xml)!.cases[0]!.kernelLog).toBe('a ]]> b');
  });

  it('a mid-run report (time="") is incomplete; a truncated one yields its complete test cases', () => {
    const full = sample('run2-result.xml');
    expect(parseXunit(full.replace(/ time="17"/, ' time=""'))!.complete).toBe(false);
    const cut = full.slice(0, full.indexOf('<system-err>') + 30); // inside generic/002's CDATA
    const rep = parseXunit(cut)!;
    expect(rep.complete).toBe(false);
    expect(rep.cases.map((c) => `${c.result.name}:${c.result.verdict}`)).toEqual([
      'ext4/001:pass',
      'generic/001:pass',
    ]);
    expect(parseXunit(full.slice(0, 200))).toBeUndefined(); // cut inside the header
    expect(parseXunit('')).toBeUndefined();
  });

  it('reads result.xml, or a longer leftover result.xml.new, from the report dir', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'fsto-xunit-'));
    expect(await readXunit(dir)).toBeUndefined();
    const full = sample('run2-result.xml');
    await writeFile(
      join(dir, 'result.xml'),
      full.replace(/<testcase classname="xfstests.fsto" name="generic\/005"[\s\S]*?<\/testcase>/, ''),
    );
    expect((await readXunit(dir))!.cases).toHaveLength(3);
    await writeFile(join(dir, 'result.xml.new'), full.slice(0, full.lastIndexOf('</testsuite>')));
    expect((await readXunit(dir))!.cases).toHaveLength(4);
    expect(reportDir('/r', 'fsto')).toBe('/r/fsto');
    expect(reportDir('/r')).toBe('/r');
  });
});
