import { run } from '../process';
import { toolchain as argv } from './argv';

// What the host builds with: its compiler's identity (part of the cache key) and ccache if present.
// A host without git, make or gcc cannot build: the caller says so (HostUnsuitable).

export interface Toolchain {
  /** `gcc --version`'s first line. */
  id: string;
  ccache: boolean;
}

const firstLine = async (cmd: readonly string[]) => {
  const r = await run(cmd).catch(() => undefined);
  return r?.exitCode === 0 ? r.stdout.split('\n')[0]!.trim() : undefined;
};

/** The host's toolchain, or the names of the tools it lacks. */
export async function probeToolchain(): Promise<Toolchain | { missing: string[] }> {
  const [cc, make, git, ccache] = await Promise.all([
    firstLine(argv.cc),
    firstLine(['make', '--version']),
    firstLine(['git', '--version']),
    firstLine(argv.ccache),
  ]);
  const missing = [!cc && 'gcc', !make && 'make', !git && 'git'].filter((m): m is string => Boolean(m));
  if (missing.length) return { missing };
  return { id: cc!, ccache: ccache !== undefined };
}
