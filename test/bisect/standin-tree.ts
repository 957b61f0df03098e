import { mkdir, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { kernelRelease, listKernels } from '../../activities/host/kernel';
import { runOk } from '../../activities/process';

// A STAND-IN for a kernel git tree (a real kernel build takes an hour on these 2-core hosts; the
// lead's bench/bisect-kernel.ts builds a real one). Its Makefile has the targets fsto's build runs
// (defconfig, olddefconfig, bzImage, modules) and "builds" the host's own kernel: it copies the
// image and hard-links the modules a guest needs, and writes modules.builtin with a marker line
// (kernel/fsto/fsto-bisect-regression.ko) at commits that carry a REGRESSION file, which the
// fixture test bisect/001 reads in the guest. A commit with a BROKEN file does not build; from a
// commit that adds FLAKY on, the marker is fsto-bisect-flaky: bisect/001 fails on run 3, 6, … of
// a step only (an intermittent regression, deterministic per run).

const MAKEFILE = (release: string) => `# STAND-IN kernel tree (test/bisect): "builds" the host's ${release}.
MODS := /lib/modules/${release}
KEEP := ^(fs|net/9p|drivers/virtio|drivers/block|drivers/char|lib|crypto|arch)/

defconfig olddefconfig:
\ttest -f .config || echo CONFIG_FSTO_STANDIN=y > .config

bzImage:
\t@if [ -f BROKEN ]; then echo "error: this commit does not build (BROKEN)"; exit 2; fi
\tmkdir -p arch/x86/boot include/config
\tcp /boot/vmlinuz-${release} arch/x86/boot/bzImage
\techo ${release} > include/config/kernel.release

modules:
\tsed 's,^kernel/,,' $(MODS)/modules.order | grep -E '$(KEEP)' > modules.order
\twhile read -r m; do mkdir -p "$$(dirname "$$m")"; ln -f "$(MODS)/kernel/$$m" "$$m"; done < modules.order
\tsed 's,^kernel/,,' $(MODS)/modules.builtin > modules.builtin
\tif [ -f REGRESSION ]; then echo fsto/fsto-bisect-regression.ko >> modules.builtin; fi
\tif [ -f FLAKY ]; then echo fsto/fsto-bisect-flaky.ko >> modules.builtin; fi
\tcp $(MODS)/modules.builtin.modinfo modules.builtin.modinfo
`;

const IGNORE = ['*.ko', 'modules.*', 'arch/', 'include/', '.config', '.fsto-build.json'].join('\n');

export interface StandinHistory {
  dir: string;
  /** Commit hashes by name, oldest first. */
  commits: Record<string, string>;
}

/**
 * A tree whose history is `steps` in order: each a commit name and what it changes ("ok": a
 * harmless change, "regression": adds REGRESSION, "flaky": adds FLAKY, "broken"/"fixed": adds/removes BROKEN).
 */
export async function standinTree(
  dir: string,
  steps: readonly [string, 'ok' | 'regression' | 'flaky' | 'broken' | 'fixed'][],
): Promise<StandinHistory> {
  const image = (await listKernels())[0];
  if (!image) throw new Error('no /boot/vmlinuz-* on this host');
  const release = (await kernelRelease(image))!;
  await mkdir(dir, { recursive: true });
  const git = (...a: string[]) => runOk(['git', '-C', dir, ...a]);
  await git('init', '-q', '-b', 'master');
  await writeFile(join(dir, 'Makefile'), MAKEFILE(release));
  await writeFile(join(dir, '.gitignore'), `${IGNORE}\n`);
  const commits: Record<string, string> = {};
  for (const [i, [name, change]] of steps.entries()) {
    await writeFile(join(dir, 'history'), `${i} ${name}\n`, { flag: 'a' });
    if (change === 'regression') await writeFile(join(dir, 'REGRESSION'), 'planted\n');
    if (change === 'flaky') await writeFile(join(dir, 'FLAKY'), 'planted, fails 1 run in 3\n');
    if (change === 'broken') await writeFile(join(dir, 'BROKEN'), 'does not build\n');
    if (change === 'fixed') await rm(join(dir, 'BROKEN'));
    await git('add', '-A');
    await git(
      '-c',
      'user.name=fsto test',
      '-c',
      'user.email=test@fsto',
      'commit',
      '-qm',
      `${name}: ${change}`,
    );
    commits[name] = (await git('rev-parse', 'HEAD')).trim();
  }
  return { dir, commits };
}
