import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import {
  HOST_NEWEST_KERNEL,
  MatrixSpec,
  RunSpec,
  runSpecsOf,
  type MatrixSpecInput,
} from '../../common/schemas';
import { loadMatrixSpec, SpecFileError } from '../../client/core/spec-file';

// The matrix spec: schema rules, JSON/YAML files with relative paths, and the runs it maps to.

const base: MatrixSpecInput = {
  fstests: '/opt/fstests',
  configs: [{ name: 'xfs-4k', fs: 'xfs' }],
};
const problems = (input: unknown) => {
  const r = MatrixSpec.safeParse(input);
  return r.success ? [] : r.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`);
};

describe('MatrixSpec', () => {
  it('fills defaults: no kernels (host newest), one shard, no retries', () => {
    const m = MatrixSpec.parse(base);
    expect(m).toMatchObject({ kernels: [], shards: 1, flakyRetries: 0, tests: [], groups: [] });
    expect(m.configs[0]!.expunge).toEqual([]);
  });

  it.each([
    [{ ...base, configs: [] }, /^configs: give at least one config/],
    [
      { ...base, configs: [base.configs[0], base.configs[0]] },
      /^configs\.1\.name: "xfs-4k" is also at \[0\]/,
    ],
    [{ ...base, kernels: ['/k', '/k'] }, /^kernels\.1: "\/k" is also at \[0\]/],
    [{ ...base, kernels: ['vmlinuz'] }, /^kernels\.0: give an absolute path/],
    [{ ...base, shards: 17 }, /^shards: at most 16/],
    [{ ...base, shards: 0 }, /^shards:/],
    [{ ...base, configs: [{ name: 'a b', fs: 'xfs' }] }, /^configs\.0\.name: use 1-64 characters/],
    [{ ...base, configs: [{ name: 'x', fs: 'XFS!' }] }, /^configs\.0\.fs: give a filesystem type/],
    [{ ...base, baseline: '' }, /^baseline:/],
    [
      { ...base, configs: [{ name: 'x', fs: 'xfs', expunge: [{ test: 'generic/1' }] }] },
      /^configs\.0\.expunge\.0\.reason:/,
    ],
    [
      { ...base, configs: Array.from({ length: 33 }, (_, i) => ({ name: `c${i}`, fs: 'xfs' })) },
      /^configs: at most 32/,
    ],
  ])('refuses %j with the field and the fix', (input, expected) => {
    expect(problems(input).join('\n')).toMatch(expected);
  });

  it('refuses autoBisect without confirm or without kernels built from git, naming the field and the fix', () => {
    const git = { tree: '/src/linux', ref: 'master' };
    expect(problems({ ...base, kernels: [git], autoBisect: {} })).toEqual([
      'autoBisect: bisects confirmed regressions only: add confirm: {} (e.g. confirm: { maxRuns: 10 })',
    ]);
    expect(problems({ ...base, confirm: {}, autoBisect: {} })).toEqual([
      "autoBisect: needs kernels built from git: give kernels as { tree, ref: a branch } (none is given: each host's newest image)",
    ]);
    expect(problems({ ...base, kernels: [git, '/boot/vmlinuz'], confirm: {}, autoBisect: {} })).toEqual([
      'autoBisect: needs kernels built from git: give kernels as { tree, ref: a branch } (kernels[1] is an image path)',
    ]);
    expect(problems({ ...base, kernels: [git], confirm: {}, autoBisect: { runs: 21 } })).toEqual([
      'autoBisect.runs: at most 20 runs per step',
    ]);
    expect(problems({ ...base, kernels: [git], confirm: {}, autoBisect: { run: 2 } })[0]).toMatch(
      /^autoBisect: /,
    );
    const ok = MatrixSpec.parse({ ...base, kernels: [git], confirm: {}, autoBisect: {} });
    expect(ok.autoBisect).toEqual({ runs: 1 });
  });

  it('accepts baseline "previous" or a workflow id, and expunges with kernel ranges', () => {
    expect(problems({ ...base, baseline: 'previous' })).toEqual([]);
    expect(problems({ ...base, baseline: 'fsto-matrix-nightly-20261121-030000-ab12' })).toEqual([]);
    const expunge = [{ test: 'generic/475', reason: 'bug 123', kernelMax: '6.1' }];
    expect(problems({ ...base, configs: [{ name: 'x', fs: 'xfs', expunge }] })).toEqual([]);
  });
});

describe('runSpecsOf', () => {
  it('gives one valid RunSpec per config × kernel, configs outermost', () => {
    const m = MatrixSpec.parse({
      ...base,
      configs: [
        {
          name: 'xfs-4k',
          fs: 'xfs',
          mkfsOptions: '-b size=4096',
          vars: { LOAD_FACTOR: '4' },
          devices: { profile: 'fstests_small' },
        },
        {
          name: 'ext4',
          fs: 'ext4',
          mountOptions: '-o noatime',
          expunge: [{ test: 'generic/001', reason: 'r' }],
        },
      ],
      kernels: ['/boot/a', '/boot/b'],
      groups: ['quick'],
      excludeGroups: ['dangerous'],
      flakyRetries: 2,
      vm: { memoryMiB: 4096 },
    });
    const runs = runSpecsOf(m);
    expect(runs.map((r) => `${r.config}@${r.kernel}`)).toEqual([
      'xfs-4k@/boot/a',
      'xfs-4k@/boot/b',
      'ext4@/boot/a',
      'ext4@/boot/b',
    ]);
    for (const r of runs) expect(RunSpec.safeParse(r.spec).success).toBe(true);
    expect(runs[0]!.spec).toMatchObject({
      fs: 'xfs',
      kernel: '/boot/a',
      mkfsOptions: '-b size=4096',
      vars: { LOAD_FACTOR: '4' },
      flakyRetries: 2,
    });
    expect(runs[0]!.spec.devices).toMatchObject({ profile: 'fstests_small' });
    expect(runs[3]!.spec).toMatchObject({ fs: 'ext4', mountOptions: '-o noatime', groups: ['quick'] });
    expect(runs[3]!.spec.mkfsOptions).toBeUndefined();
    expect(RunSpec.parse(runs[3]!.spec).vars).toEqual({});
    expect(runs[3]!.expunge).toEqual([{ test: 'generic/001', reason: 'r' }]);
    expect(RunSpec.parse(runs[1]!.spec).vm.memoryMiB).toBe(4096);
  });

  it('with no kernels gives one run per config on the host-newest kernel (no kernel in the spec)', () => {
    const runs = runSpecsOf(MatrixSpec.parse(base));
    expect(runs).toHaveLength(1);
    expect(runs[0]!.kernel).toBe(HOST_NEWEST_KERNEL);
    expect('kernel' in runs[0]!.spec).toBe(false);
  });

  it("passes the matrix's hang timeouts to every run (unset fields: RunSpec's defaults)", () => {
    const runs = runSpecsOf(MatrixSpec.parse({ ...base, hang: { floorSec: 20, defaultSec: 2400 } }));
    expect(RunSpec.parse(runs[0]!.spec).hang).toEqual({ floorSec: 20, factor: 5, defaultSec: 2400 });
    expect(() => MatrixSpec.parse({ ...base, hang: { floor: 20 } })).toThrow(/floor/);
  });
});

describe('loadMatrixSpec', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'fsto-spec-'));
  });
  const file = async (name: string, text: string) => {
    const p = join(dir, name);
    await writeFile(p, text);
    return p;
  };
  const failure = (p: Promise<unknown>) =>
    p.then(
      () => 'no error',
      (e: unknown) => (e instanceof SpecFileError ? e.message : `not a SpecFileError: ${String(e)}`),
    );

  it('reads YAML, resolving host paths against the file’s directory', async () => {
    const p = await file(
      'nightly.yaml',
      [
        'fstests: ../fstests',
        'kernels: [kernels/vmlinuz-a, /boot/vmlinuz-b]',
        'excludeFile: excl.txt',
        'groups: [quick]',
        'shards: 2',
        'configs:',
        '  - name: xfs',
        '    fs: xfs',
        '    configFile: cfg/local.config',
        '    section: xfs_4k',
        '    devices: { devices: [{ path: disks/test.img, envVar: TEST_DEV }] }',
        '    expunge:',
        '      - { test: generic/475, reason: "bug 1", kernelMin: "6.1" }',
      ].join('\n'),
    );
    const { spec, path } = await loadMatrixSpec(p);
    expect(path).toBe(p);
    expect(spec.fstests).toBe(join(dir, '../fstests'));
    expect(spec.kernels).toEqual([join(dir, 'kernels/vmlinuz-a'), '/boot/vmlinuz-b']);
    expect(spec.excludeFile).toBe(join(dir, 'excl.txt'));
    expect(spec.configs[0]!.configFile).toBe(join(dir, 'cfg/local.config'));
    expect(spec.configs[0]!.devices?.devices?.[0]?.path).toBe(join(dir, 'disks/test.img'));
    expect(spec.configs[0]!.expunge[0]).toEqual({ test: 'generic/475', reason: 'bug 1', kernelMin: '6.1' });
    expect(spec.shards).toBe(2);
  });

  it('reads JSON the same way', async () => {
    const p = await file(
      'm.json',
      JSON.stringify({ fstests: 'fstests', configs: [{ name: 'e', fs: 'ext4' }] }),
    );
    expect((await loadMatrixSpec(p)).spec.fstests).toBe(join(dir, 'fstests'));
  });

  it('refuses unknown fields with a did-you-mean, naming the file', async () => {
    const p = await file(
      'typo.yaml',
      'fstests: /f\nflakyRetry: 2\nconfigs: [{ name: x, fs: xfs, mkfsOption: "-f" }]\n',
    );
    const msg = await failure(loadMatrixSpec(p));
    expect(msg).toContain(`${p}: invalid matrix spec`);
    expect(msg).toMatch(/^flakyRetry: unknown field; did you mean "flakyRetries"\?$/m);
    expect(msg).toMatch(/^configs\.0\.mkfsOption: unknown field; did you mean "mkfsOptions"\?$/m);
  });

  it('refuses bad YAML with the line, duplicate keys, bad JSON and a missing file', async () => {
    expect(await failure(loadMatrixSpec(await file('bad.yaml', 'fstests: /f\nconfigs: [\n')))).toMatch(
      /not valid YAML: line \d+, column \d+/,
    );
    expect(await failure(loadMatrixSpec(await file('dup.yaml', 'fstests: /a\nfstests: /b\n')))).toMatch(
      /not valid YAML: .*[Mm]ap keys must be unique/,
    );
    expect(await failure(loadMatrixSpec(await file('bad.json', '{"fstests": ')))).toMatch(/not valid JSON/);
    expect(await failure(loadMatrixSpec(join(dir, 'missing.yaml')))).toMatch(
      /--spec: cannot read .*missing\.yaml \(ENOENT\)/,
    );
  });
});
