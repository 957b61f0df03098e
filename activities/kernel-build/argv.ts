// Every command the kernel build runs, as data (pure; test/unit/kernel-build-argv.test.ts). The
// source tree is only read (rev-parse, rev-list, describe, log, worktree add); builds happen in a
// worktree of it under the state dir.

export const git = {
  /** Succeeds only inside a git work tree or repository. */
  gitDir: (tree: string) => ['git', '-C', tree, 'rev-parse', '--git-dir'],
  /** The commit a ref names (`--verify --quiet`: nothing but the hash, or exit 1). */
  commit: (tree: string, ref: string) => [
    'git',
    '-C',
    tree,
    'rev-parse',
    '--verify',
    '--quiet',
    `${ref}^{commit}`,
  ],
  /** The commits after good up to bad, oldest first, along bad's first parents. */
  range: (tree: string, good: string, bad: string) => [
    'git',
    '-C',
    tree,
    'rev-list',
    '--reverse',
    '--first-parent',
    '--ancestry-path',
    `${good}..${bad}`,
  ],
  /** Is `a` an ancestor of `b` (exit 0)? */
  isAncestor: (tree: string, a: string, b: string) => [
    'git',
    '-C',
    tree,
    'merge-base',
    '--is-ancestor',
    a,
    b,
  ],
  describe: (tree: string, commit: string) => ['git', '-C', tree, 'describe', '--always', '--tags', commit],
  subject: (tree: string, commit: string) => ['git', '-C', tree, 'log', '-1', '--format=%s', commit],
  worktreeAdd: (tree: string, dir: string, commit: string) => [
    'git',
    '-C',
    tree,
    'worktree',
    'add',
    '--detach',
    '--force',
    dir,
    commit,
  ],
  /** Move the work dir to another commit; untracked build products stay (an incremental build). */
  checkout: (dir: string, commit: string) => ['git', '-C', dir, 'checkout', '--detach', '--force', commit],
};

/** `make` in the work dir; with ccache when the host has it. */
export function make(
  dir: string,
  targets: readonly string[],
  opts: { jobs?: number; ccache?: boolean } = {},
) {
  return [
    'make',
    '-C',
    dir,
    ...(opts.jobs ? [`-j${opts.jobs}`] : []),
    ...(opts.ccache ? ['CC=ccache gcc'] : []),
    ...targets,
  ];
}

/** Config fragments merged over the work dir's .config (then `make olddefconfig` settles it). */
export const mergeFragments = (dir: string, fragments: readonly string[]) => [
  `${dir}/scripts/kconfig/merge_config.sh`,
  '-m',
  '-O',
  dir,
  `${dir}/.config`,
  ...fragments,
];

/** The build's targets: the image and the modules (what --kernel DIR and vng take). */
export const BUILD_TARGETS = ['bzImage', 'modules'] as const;

/** The toolchain's identity: its first line goes into the cache key. */
export const toolchain = {
  cc: ['gcc', '--version'],
  ccache: ['ccache', '--version'],
};
