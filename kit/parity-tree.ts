import { lstat, readdir, readlink } from 'node:fs/promises';
import { join } from 'node:path';

// Proof that a run left a directory tree as it was: every entry's type, mode, size, mtime and
// link target, before and after. A test writing into its tree (fstests' _link_out_file) adds an
// entry and changes its directory's mtime, so either shows up here.

/** Relative path ('.' for the root) → what the entry is. */
export type TreeSnapshot = Map<string, string>;

export async function snapshotTree(root: string): Promise<TreeSnapshot> {
  const snap: TreeSnapshot = new Map();
  const visit = async (rel: string): Promise<void> => {
    const path = rel === '.' ? root : join(root, rel);
    const st = await lstat(path);
    const kind = st.isSymbolicLink() ? `-> ${await readlink(path)}` : st.isDirectory() ? 'dir' : 'file';
    snap.set(
      rel,
      `${kind} mode=${st.mode.toString(8)} size=${st.isDirectory() ? '-' : st.size} mtime=${st.mtimeMs}`,
    );
    if (!st.isDirectory()) return;
    for (const name of (await readdir(path)).sort()) await visit(rel === '.' ? name : join(rel, name));
  };
  await visit('.');
  return snap;
}

/** Pure: what differs between two snapshots, one line per entry. */
export function treeChanges(before: TreeSnapshot, after: TreeSnapshot): string[] {
  const lines: string[] = [];
  for (const [rel, was] of before) {
    const now = after.get(rel);
    if (now === undefined) lines.push(`removed ${rel}`);
    else if (now !== was) lines.push(`changed ${rel}: ${was} => ${now}`);
  }
  for (const rel of after.keys()) if (!before.has(rel)) lines.push(`added ${rel}: ${after.get(rel)}`);
  return lines;
}
