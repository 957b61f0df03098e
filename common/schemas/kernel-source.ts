import { z } from 'zod';

// A kernel built from git: a tree on the host, a ref, a config (docs/architecture.md, "Kernels from
// git and bisection"). What the shape can say is checked here; what only the host can see (is it a
// git tree, does the ref exist, is the config file there) is checked by the build's first step,
// before anything is built or any resource of the run exists.

/** A ref as git accepts one (branch, tag, commit, `HEAD~3`), never an option or a path trick. */
export const GitRef = z
  .string()
  .min(1, 'give a branch, tag or commit')
  .max(200)
  .regex(/^[^-\s][^\s:?*[\\]*$/, 'give a branch, tag or commit (no spaces, no leading -, no : ? * [ \\)')
  .refine((s) => !s.includes('..'), 'give one commit, not a range (a..b)');

/** A defconfig target (`defconfig`, `x86_64_defconfig`, `tinyconfig`) or an absolute .config file. */
export const KernelConfig = z
  .string()
  .regex(
    /^(\/.+|[A-Za-z0-9_.-]*config)$/,
    'give a defconfig target (defconfig, tinyconfig, x86_64_defconfig) or an absolute path to a .config file',
  );

export const KernelSource = z.strictObject({
  /** Absolute path of the git tree on the host (never modified: builds use a worktree of it). */
  tree: z.string().startsWith('/', 'give an absolute path to the kernel git tree'),
  ref: GitRef,
  /** Default: the work dir's .config as it is, or `defconfig` when it has none. */
  config: KernelConfig.optional(),
  /** Config fragments merged over it (scripts/kconfig/merge_config.sh), absolute paths. */
  fragments: z
    .array(z.string().startsWith('/', 'give absolute paths to the config fragments'))
    .max(20)
    .default([]),
});
export type KernelSourceInput = z.input<typeof KernelSource>;
export type KernelSource = z.output<typeof KernelSource>;

/** A kernel as a run names one: an image or build tree on the host, or a source to build. */
export const KernelSpec = z.union([
  z.string().startsWith('/', 'give an absolute path to a kernel image or build tree'),
  KernelSource,
]);
export type KernelSpec = z.output<typeof KernelSpec>;

export const isKernelSource = (k: KernelSpec | undefined): k is KernelSource =>
  typeof k === 'object' && k !== null;

/** What a build made (or found in its cache), as a run records it. */
export const KernelBuilt = z.object({
  commit: z.string(),
  /** `git describe --always --tags` of the commit. */
  describe: z.string(),
  /** sha256 of the config inputs (the config's name or file, and each fragment), 16 hex digits. */
  configHash: z.string(),
  toolchain: z.string(),
  /** A directory laid out as a kernel build tree (bzImage + modules): what --kernel DIR takes. */
  tree: z.string(),
  cached: z.boolean(),
  buildSec: z.number().nonnegative(),
});
export type KernelBuilt = z.infer<typeof KernelBuilt>;

/** A build that failed: its own outcome, never a test failure. */
export const KernelBuildFailure = z.object({
  commit: z.string(),
  describe: z.string(),
  /** The last lines of the make log. */
  logTail: z.string(),
  /** The whole log on the build host. */
  log: z.string(),
  hostId: z.string(),
});
export type KernelBuildFailure = z.infer<typeof KernelBuildFailure>;

export const KernelBuildResult = z.discriminatedUnion('ok', [
  KernelBuilt.extend({ ok: z.literal(true) }),
  KernelBuildFailure.extend({ ok: z.literal(false) }),
]);
export type KernelBuildResult = z.infer<typeof KernelBuildResult>;

/** How a kernel is named in details and logs: its path, or `tree@ref`. */
export const kernelLabel = (k: KernelSpec | undefined): string =>
  k === undefined ? '(host newest)' : typeof k === 'string' ? k : `${k.tree}@${k.ref}`;
