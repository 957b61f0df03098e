import { mkdir, mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { run } from '../../activities/process';
import { plantedProblems } from '../../kit/parity-plant-check';
import { plantedCopy, plantGroupList } from '../../kit/parity-plant';
import { plantedNames } from '../../kit/parity-plant-tests';
import { snapshotTree, treeChanges } from '../../kit/parity-tree';
import type { TestResult } from '../../common/schemas';

// bench/parity.ts --plant, what needs no VM: the planted copy of a tree (the user's tree left as it
// was), the planted files as real fstests needs them. Oracles: fstests' own shell — the build's
// group.list pipeline (tools/mkgroupfile), check's test look-up (`grep -Eq "^$test_name"`), what
// _begin_fstest prints (a stand-in common/preamble doing what the real one prints), bash -n.

const IDS = ['990', '991', '992', '993', '994', '995'];
// tools/mkgroupfile's pipeline, with common/test_names' VALID_TEST_NAME.
const MKGROUPFILE =
  'VALID_TEST_NAME="[0-9]\\{3\\}-\\?[[:alnum:]-]*"; grep -I -R "^_begin_fstest" "$1"/ | ' +
  'sed -e "s/^.*\\/\\($VALID_TEST_NAME\\):_begin_fstest/\\1/" | sort -ug';
// What the real common/preamble prints and does for a test that passes its _require_ calls.
const PREAMBLE = [
  '_begin_fstest() { seq=$(basename $0); echo "QA output created by $seq"; status=1; }',
  '_require_test() { :; }',
  '',
].join('\n');

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'fsto-plant-'));
});
afterEach(async () => rm(dir, { recursive: true, force: true }));

async function userTree(): Promise<string> {
  const tree = join(dir, 'user');
  await mkdir(join(tree, 'tests', 'generic'), { recursive: true });
  await mkdir(join(tree, 'common'));
  await writeFile(join(tree, 'common', 'preamble'), PREAMBLE);
  await writeFile(join(tree, 'tests', 'generic', 'group.list'), '# generated\n\n001 auto quick\n');
  await writeFile(join(tree, 'tests', 'generic', '001'), '. ./common/preamble\n_begin_fstest auto quick\n');
  return tree;
}

describe('bench/parity.ts --plant', () => {
  it("plants six tests in a copy; the user's tree is left as it was", async () => {
    const user = await userTree();
    const before = await snapshotTree(user);
    const copy = await plantedCopy(user, join(dir, 'planted'));
    expect(treeChanges(before, await snapshotTree(user))).toEqual([]);
    expect(plantedNames()).toEqual(IDS.map((id) => `generic/${id}`));
    for (const id of IDS) {
      const test = join(copy, 'tests', 'generic', id);
      expect((await stat(test)).mode & 0o111).toBe(0o111);
      expect((await run(['bash', '-n', test])).exitCode).toBe(0);
      const script = await readFile(test, 'utf8');
      expect(script).toMatch(/^\. \.\/common\/preamble\n_begin_fstest auto quick/m);
      expect(script).toMatch(/\nstatus=0\nexit\n$/);
      expect(await readFile(`${test}.out`, 'utf8')).toBe(`QA output created by ${id}\nSilence is golden\n`);
    }
  });

  it('group.list: the lines the build would generate; check finds each planted test', async () => {
    const copy = await plantedCopy(await userTree(), join(dir, 'planted'));
    const generic = join(copy, 'tests', 'generic');
    const built = (await run(['bash', '-c', MKGROUPFILE, 'mkgroupfile', generic])).stdout.split('\n');
    const list = await readFile(join(generic, 'group.list'), 'utf8');
    expect(list.split('\n').filter((l) => /^\d/.test(l))).toEqual(built);
    expect(list.startsWith('# generated\n')).toBe(true);
    for (const id of IDS)
      expect((await run(['grep', '-Eq', `^${id}`, join(generic, 'group.list')])).exitCode).toBe(0);
  });

  it('the hung-task tests freeze TEST_DIR, block an xfs_io writer and restore what they change', async () => {
    const copy = await plantedCopy(await userTree(), join(dir, 'planted'));
    const script = await readFile(join(copy, 'tests', 'generic', '990'), 'utf8');
    expect(script).toContain('_begin_fstest auto quick freeze');
    for (const line of [
      '_require_freeze',
      'xfs_freeze -f $TEST_DIR || _fail',
      'echo 5 > $knob',
      '$XFS_IO_PROG -f -c "pwrite 0 1m" $TEST_DIR/plant.$seq >> $seqres.full 2>&1 &',
      '_reported() { _check_dmesg_for "INFO: task .* blocked for more than"; }',
      'xfs_freeze -u $TEST_DIR\nwait $writer',
      '\txfs_freeze -u $TEST_DIR >/dev/null 2>&1', // _cleanup: thawed whatever happened
      '\t[ -n "$old_timeout" ] && echo "$old_timeout" > $knob',
    ])
      expect(script).toContain(line);
  });

  it('the plain test prints its golden output under (a stand-in of) fstests', async () => {
    const copy = await plantedCopy(await userTree(), join(dir, 'planted'));
    const r = await run(['bash', './tests/generic/995'], { cwd: copy });
    expect([r.exitCode, `${r.stdout}\n`]).toEqual([
      0,
      await readFile(join(copy, 'tests', 'generic', '995.out'), 'utf8'),
    ]);
  });

  it('group.list planted again: earlier lines for the planted ids replaced, others kept', () => {
    expect(plantGroupList('# x\n001 auto\n990 stale\n')).toBe(
      '# x\n001 auto\n990 auto quick freeze\n991 auto quick freeze\n992 auto quick freeze\n' +
        '993 auto quick freeze\n994 auto quick freeze\n995 auto quick\n',
    );
  });
});

describe('plantedProblems', () => {
  const result = (name: string, verdict: TestResult['verdict'], crashSignature?: string): TestResult =>
    ({ name, verdict, durationSec: 1, ...(crashSignature ? { crashSignature } : {}) }) as TestResult;
  const sig = 'INFO: task xfs_io blocked for more than N seconds.';
  const rows = (fstoSig = sig, handVerdict: TestResult['verdict'] = 'pass') =>
    plantedNames().map((test, i) => ({
      test,
      hand: result(test, handVerdict),
      fsto: result(test, 'pass', i < 5 ? fstoSig : undefined),
    }));

  it('none when all pass, 990–994 with a hung task, progress within the tests asked', () => {
    expect(
      plantedProblems(rows(), ['[claiming] 0/0 done', '[testing] 3/6 done', '[done] 6/6 done, ETA 0 min'], 6),
    ).toEqual([]);
  });

  it('tests skipped on both sides, a missing signature, progress past the tests asked', () => {
    const p = plantedProblems(rows('', 'notrun'), ['[running] 6/5 done'], 6);
    expect(p).toContain('generic/990: hand notrun, expected pass');
    expect(p).toContain('generic/994: fsto signature none, expected a hung task');
    expect(p).toContain('fsto progress "[running] 6/5 done": expected at most 6/6');
  });
});
