import { chmod, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { runOk } from '../activities/process';
import { groupLine, plantedTests } from './parity-plant-tests';

// bench/parity.ts --plant: a throwaway copy of the user's fstests tree with the planted tests
// (kit/parity-plant-tests.ts) in tests/generic, which both sides run from (the by-hand side
// copies it once more, as it copies any tree). check runs a test named on its command line only
// when tests/<dir>/group.list lists it; the build generates that file from each test's
// _begin_fstest line, so the planted tests get the lines the build would give them.

/** Pure: group.list with the planted tests' lines (any earlier line for their ids replaced). */
export function plantGroupList(current: string): string {
  const tests = plantedTests();
  const ids = new Set(tests.map((t) => t.id));
  const kept = current.split('\n').filter((l) => l !== '' && !ids.has(l.split(/\s+/)[0] ?? ''));
  return [...kept, ...tests.map(groupLine), ''].join('\n');
}

/** Write the planted tests (executable) and their golden outputs into tree's tests/generic. */
export async function plantTests(tree: string): Promise<void> {
  const dir = join(tree, 'tests', 'generic');
  for (const t of plantedTests()) {
    await writeFile(join(dir, t.id), t.script);
    await chmod(join(dir, t.id), 0o755);
    await writeFile(join(dir, `${t.id}.out`), t.out);
  }
  const list = join(dir, 'group.list');
  await writeFile(list, plantGroupList(await readFile(list, 'utf8').catch(() => '')));
}

/** A copy of tree at dest (cp -a: modes, links, built helpers) with the planted tests in it. */
export async function plantedCopy(tree: string, dest: string): Promise<string> {
  await runOk(['cp', '-a', tree, dest]);
  await plantTests(dest);
  return dest;
}
