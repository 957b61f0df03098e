import { describe, expect, it } from 'vitest';
import { hostPathsIn } from '../../activities/fstests/host-paths';

// fstests' own lines as check prints them in an fsto guest (tree mounted at /tmp/fsto/fstests,
// results share at /tmp/fsto/results), rewritten to where the files are on the host.
describe('hostPathsIn', () => {
  it('maps the tree and the results share to the host; guest-only mounts stay', () => {
    const guest = [
      '    - output mismatch (see /tmp/fsto/results/main-1/fsto/generic/002.out.bad)',
      "    (Run 'diff -u /tmp/fsto/fstests/tests/generic/002.out /tmp/fsto/results/main-1/fsto/generic/002.out.bad'  to see the entire diff)",
      '    mount /dev/vdb /tmp/fsto/scratch failed',
    ].join('\n');
    expect(
      hostPathsIn(guest, { fstests: '/home/me/xfstests', resultsDir: '/var/lib/fsto/runs/r/results' }),
    ).toBe(
      [
        '    - output mismatch (see /var/lib/fsto/runs/r/results/main-1/fsto/generic/002.out.bad)',
        "    (Run 'diff -u /home/me/xfstests/tests/generic/002.out /var/lib/fsto/runs/r/results/main-1/fsto/generic/002.out.bad'  to see the entire diff)",
        '    mount /dev/vdb /tmp/fsto/scratch failed',
      ].join('\n'),
    );
  });
});
