import { stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { run, runOk } from '../process';
import { git, make, mergeFragments } from './argv';
import { runLogged } from './make-log';

// The per-tree work dir (a git worktree of the source under the state dir), moved to a commit and
// configured. It keeps its build products between commits: builds are incremental.

const exists = (p: string) =>
  stat(p).then(
    () => true,
    () => false,
  );

/** The work dir at `commit`: made as a worktree the first time, checked out after. */
export async function checkoutWork(tree: string, work: string, commit: string): Promise<void> {
  if (await exists(join(work, '.git'))) {
    if ((await run(git.checkout(work, commit))).exitCode === 0) return;
  }
  await run(['git', '-C', tree, 'worktree', 'prune']);
  await runOk(git.worktreeAdd(tree, work, commit));
}

/** Configure the work dir: a file or a defconfig target, then fragments; olddefconfig settles it. */
export async function configureWork(
  work: string,
  config: { name?: string; text?: string },
  fragments: readonly string[],
  log: string,
): Promise<number | string> {
  const step = async (argv: readonly string[]) => (await runLogged(argv, { log })).exitCode;
  let code: number | string = 0;
  if (config.text !== undefined) await writeFile(join(work, '.config'), config.text);
  else if (config.name) code = await step(make(work, [config.name]));
  else if (!(await exists(join(work, '.config')))) code = await step(make(work, ['defconfig']));
  if (code === 0 && fragments.length) code = await step(mergeFragments(work, fragments));
  if (code === 0) code = await step(make(work, ['olddefconfig']));
  return code;
}
