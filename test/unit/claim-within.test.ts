import { describe, expect, it } from 'vitest';
import { describeZodError } from '../../common/errors';
import { MatrixSpec, RunSpec, runSpecsOf } from '../../common/schemas';

// claimWithinSec in a matrix spec: a positive whole number of seconds, refused with a message
// that names the field; a matrix hands it to every run (shard), and unset it stays unset (a claim
// then waits for as long as every host is busy).

const base = { fstests: '/opt/fstests', configs: [{ name: 'a', fs: 'xfs' }] };
const problem = (v: unknown) => {
  const r = MatrixSpec.safeParse({ ...base, claimWithinSec: v });
  return r.success ? '' : describeZodError(r.error, MatrixSpec);
};

describe('matrix claimWithinSec', () => {
  it.each([
    [0, 'claimWithinSec: give a positive number of seconds'],
    [-5, 'claimWithinSec: give a positive number of seconds'],
    [1.5, 'claimWithinSec: give whole seconds'],
    ['3600', 'claimWithinSec: give a number of seconds'],
    [400 * 86400, 'claimWithinSec: at most 31622400 s (366 days)'],
  ])('refuses %j, naming the field', (v, msg) => {
    expect(problem(v)).toBe(msg);
  });

  it('reaches every run of the matrix; unset, no run has one', () => {
    const two = { ...base, configs: [...base.configs, { name: 'b', fs: 'ext4' }] };
    const set = runSpecsOf(MatrixSpec.parse({ ...two, claimWithinSec: 120 }));
    expect(set.map((r) => RunSpec.parse(r.spec).claimWithinSec)).toEqual([120, 120]);
    const unset = runSpecsOf(MatrixSpec.parse(two));
    expect(unset.map((r) => RunSpec.parse(r.spec).claimWithinSec)).toEqual([undefined, undefined]);
  });
});
