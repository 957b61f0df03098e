import { describe, expect, it } from 'vitest';
import { planDeviceSet } from '../../activities/devices/plan';
import { rawDeviceVars, rawExec, rawLocalConfig } from '../../kit/overhead-raw';

// The by-hand side of bench/parity.ts writes its config as a user would, not with fsto's code;
// its devices must still be the ones `fsto run` gives its guests (default profile), or a test
// needing a pool or a log-writes device would differ for a reason that is not the guest's.
describe('by-hand run (kit/overhead-raw.ts)', () => {
  it("layout fsto: the same device variables as fsto run's default plan", () => {
    expect(Object.fromEntries(rawDeviceVars('fsto'))).toEqual(planDeviceSet({}).env);
  });

  it('local.config: one [fsto] section, values quoted as fstests reads them', () => {
    expect(rawLocalConfig({ fs: 'ext4', layout: 'pair', guestTmp: '/tmp/g', resultBase: '/r/results' })).toBe(
      [
        '[fsto]',
        'FSTYP="ext4"',
        'TEST_DEV="/dev/vda"',
        'SCRATCH_DEV="/dev/vdb"',
        'TEST_DIR="/tmp/g/test"',
        'SCRATCH_MNT="/tmp/g/scratch"',
        'RESULT_BASE="/r/results"',
        '',
      ].join('\n'),
    );
  });

  it('guest command: mount points, TEST_DEV made FSTYP (ext4 forced with -F), check in the tree', () => {
    const exec = rawExec({
      fixture: '/w/tree',
      fs: 'ext4',
      config: '/w/local.config',
      guestTmp: '/tmp/g',
      tests: ['ext4/001', 'generic/035'],
      out: '/w/results/check.out',
    });
    expect(exec.split(' && ')).toEqual([
      'mkdir -p /tmp/g/test /tmp/g/scratch',
      'mkfs.ext4 -F /dev/vda >/dev/null',
      'cd /w/tree',
      'HOST_OPTIONS=/w/local.config FSTO_FIXTURE_KMSG=1 ./check -R xunit -s fsto ext4/001 generic/035 </dev/null >/w/results/check.out 2>&1',
    ]);
  });
});
