import { GUEST } from './guest-layout';

// What people read names host paths: fstests prints guest ones (`see /tmp/fsto/results/…`,
// `Run 'diff -u /tmp/fsto/fstests/tests/generic/002.out …'`). The tree is the host's (an overlay
// of it in the guest) and results are a share of the host's results dir, so both map exactly;
// TEST_DIR and SCRATCH_MNT exist only in the guest and stay as they are.

export function hostPathsIn(text: string, host: { fstests: string; resultsDir: string }): string {
  return text.split(`${GUEST.results}`).join(host.resultsDir).split(`${GUEST.fstests}`).join(host.fstests);
}
