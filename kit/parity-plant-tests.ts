// The tests bench/parity.ts --plant adds to its copies of a real fstests tree (never to the user's
// tree): five that leave a writer blocked on a frozen TEST_DIR until the kernel's hung-task
// detector reports it, then one plain test. Written as fstests' own tests are (common/preamble,
// _begin_fstest, _cleanup, golden output). fstests' _check_dmesg does not fail a hung-task report,
// so by hand all six pass.

export interface PlantedTest {
  /** Number within tests/generic. */
  id: string;
  groups: string[];
  script: string;
  /** The golden output (tests/generic/<id>.out). */
  out: string;
}

const HUNG = ['990', '991', '992', '993', '994'];
const PLAIN = '995';

const header = (id: string, what: string[]) => [
  '#! /bin/bash',
  '# SPDX-License-Identifier: GPL-2.0',
  '#',
  `# FS QA Test No. ${id}`,
  '#',
  "# Planted by fsto's bench/parity.ts --plant in a throwaway copy of the tree.",
  ...what.map((l) => `# ${l}`),
  '#',
  '. ./common/preamble',
];

const hungBody = [
  'knob=/proc/sys/kernel/hung_task_timeout_secs',
  'warnings=/proc/sys/kernel/hung_task_warnings',
  'old_timeout=',
  'old_warnings=',
  'writer=',
  '',
  '# Override the default cleanup function.',
  '_cleanup()',
  '{',
  '\txfs_freeze -u $TEST_DIR >/dev/null 2>&1',
  '\t[ -n "$writer" ] && wait $writer',
  '\t[ -n "$old_timeout" ] && echo "$old_timeout" > $knob',
  '\t[ -n "$old_warnings" ] && echo "$old_warnings" > $warnings',
  '\trm -f $TEST_DIR/plant.$seq',
  '\tcd /',
  '\trm -r -f $tmp.*',
  '}',
  '',
  '_require_test',
  '_require_freeze',
  '_require_check_dmesg',
  '[ -w $knob ] || _notrun "no hung task detector ($knob)"',
  '',
  '# Reports of this test only (check marks its start in the kernel log).',
  '_reported() { _check_dmesg_for "INFO: task .* blocked for more than"; }',
  '',
  'old_timeout=$(cat $knob)',
  'old_warnings=$(cat $warnings)',
  'xfs_freeze -f $TEST_DIR || _fail "xfs_freeze -f $TEST_DIR failed"',
  'echo 5 > $knob',
  'echo -1 > $warnings',
  '$XFS_IO_PROG -f -c "pwrite 0 1m" $TEST_DIR/plant.$seq >> $seqres.full 2>&1 &',
  'writer=$!',
  'for i in $(seq 180); do',
  '\t_reported && break',
  '\tsleep 1',
  'done',
  '_reported || _fail "no hung task report in 180 seconds"',
  'xfs_freeze -u $TEST_DIR',
  'wait $writer',
  'writer=',
  '',
  'echo "Silence is golden"',
  'status=0',
  'exit',
];

const plainBody = ['_require_test', '', 'echo "Silence is golden"', 'status=0', 'exit'];

const golden = (id: string) => `QA output created by ${id}\nSilence is golden\n`;

function planted(id: string, groups: string[], what: string[], body: string[]): PlantedTest {
  const script = [...header(id, what), `_begin_fstest ${groups.join(' ')}`, '', ...body, ''].join('\n');
  return { id, groups, script, out: golden(id) };
}

/** Pure: the six planted tests, in order (the plain one last). */
export function plantedTests(): PlantedTest[] {
  return [
    ...HUNG.map((id) =>
      planted(
        id,
        ['auto', 'quick', 'freeze'],
        [
          'A writer (xfs_io) blocks on a frozen TEST_DIR until the hung-task detector reports it;',
          'then thaw. _check_dmesg does not fail a hung task: pass (fsto: with the signature).',
        ],
        hungBody,
      ),
    ),
    planted(PLAIN, ['auto', 'quick'], ['A plain passing test after the hung tasks.'], plainBody),
  ];
}

/** Pure: the planted tests as check names them (generic/990 …). */
export const plantedNames = (): string[] => plantedTests().map((t) => `generic/${t.id}`);

/** Pure: a planted test's tests/generic/group.list line, as the build's tools/mkgroupfile writes it. */
export const groupLine = (t: PlantedTest): string => `${t.id} ${t.groups.join(' ')}`;
