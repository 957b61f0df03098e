import { describe, expect, it } from 'vitest';
import { MatrixSpec, runSpecsOf, type Confirmation } from '../../common/schemas';
import { autoBisectPlans, previousCommit } from '../../workflows/auto-bisect-plan';

// Which bisections a night's confirmations call for (workflows/auto-bisect-plan.ts, pure).

const A = 'a'.repeat(40);
const B = 'b'.repeat(40);
const spec = MatrixSpec.parse({
  fstests: '/f',
  configs: [
    { name: 'xfs', fs: 'xfs', mkfsOptions: '-m rmapbt=1' },
    { name: 'ext4', fs: 'ext4' },
  ],
  // As the matrix pins it: the branch's head tonight.
  kernels: [{ tree: '/src/linux', ref: B, config: 'defconfig', fragments: ['/frag'] }],
  tests: ['g/001', 'g/002'],
  excludeFile: '/x',
  confirm: {},
  autoBisect: { runs: 3 },
});
const plans = runSpecsOf(spec).map((p) => ({ ...p, kernel: 'L' }));
const heads = [{ tree: '/src/linux', ref: 'master', commit: B, subject: 's' }];
const conf = (config: string, test: string, verdict: Confirmation['verdict']): Confirmation => ({
  ...{ config, kernel: 'L', test, rate: 0, failed: 0, runs: 5, verdict, text: '', workflowIds: [] },
});
const base = [`/src/linux@master=${A}`, `/src/other@master=${B}`];

describe('autoBisectPlans', () => {
  it("one per cell with a confirmed regression: last night's commit to tonight's, the cell's run", () => {
    const plans_ = autoBisectPlans({
      autoBisect: spec.autoBisect!,
      confirmations: [
        conf('xfs', 'g/001', 'confirmed'),
        conf('xfs', 'g/002', 'confirmed'),
        conf('ext4', 'g/001', 'flaky'),
      ],
      plans,
      heads,
      baseKernels: base,
    });
    expect(plans_).toHaveLength(1);
    expect(plans_[0]!.index).toBe(0);
    expect(plans_[0]!.bisection).toEqual({
      config: 'xfs',
      kernel: 'L',
      tests: ['g/001', 'g/002'],
      good: A,
      bad: B,
    });
    const { run, ...bisect } = plans_[0]!.spec!;
    expect(bisect).toEqual({
      tree: '/src/linux',
      good: A,
      bad: B,
      config: 'defconfig',
      fragments: ['/frag'],
      runs: 3,
    });
    expect(run).toMatchObject({
      fstests: '/f',
      fs: 'xfs',
      mkfsOptions: '-m rmapbt=1',
      tests: ['g/001', 'g/002'],
      groups: [],
      flakyRetries: 0,
    });
    expect(plans_[0]!.spec!.run).not.toHaveProperty('kernel');
    expect(plans_[0]!.spec!.run).not.toHaveProperty('excludeFile');
  });

  it("says why not when the previous night's commit is unknown or the same", () => {
    const input = {
      autoBisect: spec.autoBisect!,
      confirmations: [conf('xfs', 'g/001', 'confirmed')],
      plans,
      heads,
    };
    expect(autoBisectPlans(input).map((p) => [p.spec, p.bisection.reason])).toEqual([
      [undefined, "the previous night's commit is unknown"],
    ]);
    expect(autoBisectPlans({ ...input, baseKernels: [`/src/linux@master=${B}`] })[0]!.bisection.reason).toBe(
      'the previous night tested the same commit',
    );
    expect(autoBisectPlans({ ...input, confirmations: [conf('xfs', 'g/001', 'not-reproduced')] })).toEqual(
      [],
    );
  });

  it('previousCommit reads the sidecar form tree@branch=commit', () => {
    expect(previousCommit(base, '/src/linux', 'master')).toBe(A);
    expect(previousCommit(base, '/src/linux', 'next')).toBeUndefined();
    expect(previousCommit(undefined, '/src/linux', 'master')).toBeUndefined();
  });
});
