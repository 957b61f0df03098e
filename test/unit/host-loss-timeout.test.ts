import { describe, expect, it } from 'vitest';
import { MatrixSpec, RunSpec, runSpecsOf } from '../../common/schemas';

// hostLossTimeoutSec in a matrix spec and a run spec (fsto run --host-loss-timeout): validated
// with a message that names the field and the bound; a matrix hands it to every run.

const base = {
  fstests: '/opt/fstests',
  configs: [
    { name: 'a', fs: 'xfs' },
    { name: 'b', fs: 'ext4' },
  ],
};
const problem = (v: unknown) => {
  const r = MatrixSpec.safeParse({ ...base, hostLossTimeoutSec: v });
  return r.success ? '' : r.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ');
};

describe('matrix hostLossTimeoutSec', () => {
  it.each([
    [5, /^hostLossTimeoutSec: at least 10 s/],
    [90000, /at most 86400 s/],
    [12.5, /give whole seconds/],
    ['60', /give a number of seconds/],
  ])('refuses %j with a clear message', (v, msg) => {
    expect(problem(v)).toMatch(msg);
  });

  it('reaches every run of the matrix; unset, each run keeps its default (300 s)', () => {
    const set = runSpecsOf(MatrixSpec.parse({ ...base, hostLossTimeoutSec: 45 }));
    expect(set.map((r) => RunSpec.parse(r.spec).hostLossTimeoutSec)).toEqual([45, 45]);
    const unset = runSpecsOf(MatrixSpec.parse(base));
    expect(unset.map((r) => RunSpec.parse(r.spec).hostLossTimeoutSec)).toEqual([300, 300]);
  });

  it('fsto run: the same messages for a run spec (--host-loss-timeout N, NaN for a non-number)', () => {
    const run = (v: unknown) => {
      const r = RunSpec.safeParse({ fstests: '/opt/fstests', fs: 'xfs', hostLossTimeoutSec: v });
      return r.success ? '' : r.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ');
    };
    expect(run(5)).toBe('hostLossTimeoutSec: at least 10 s (a worker restart alone takes seconds)');
    expect(run(Number('abc'))).toBe('hostLossTimeoutSec: give a number of seconds');
    expect(run(600)).toBe('');
  });
});
