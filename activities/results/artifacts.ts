import { constants } from 'node:fs';
import { mkdir, open, writeFile, type FileHandle } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { TestName } from '../../common/schemas';
import type { Beneath } from '../beneath';

// Per-test artifacts, copied from fstests' report dir (results/<section>/generic/001.out.bad …)
// into the run dir as artifacts/<dir>/<num>/<kind>, each capped in size per test. A file over the cap keeps its head and its tail — the start of a .full
// says what the test did, the end says how it failed — with a marker in between.

export const ARTIFACT_KINDS = ['out.bad', 'full', 'dmesg', 'notrun', 'hints'] as const;
export const DEFAULT_CAP_BYTES = 1 << 20;

export interface CollectedArtifact {
  test: string;
  kind: string;
  /** Path of the copy in the run dir. */
  path: string;
  /** Size of the original. */
  bytes: number;
  truncated: boolean;
}

export function truncationMarker(omitted: number): string {
  return `\n[… fsto: ${omitted} bytes omitted from the middle of this file …]\n`;
}

/** Head + marker + tail of `data` when it exceeds cap bytes (pure). */
export function truncateMiddle(data: Buffer, cap: number): Buffer {
  if (data.length <= cap) return data;
  const half = Math.floor(cap / 2);
  const omitted = data.length - 2 * half;
  return Buffer.concat([
    data.subarray(0, half),
    Buffer.from(truncationMarker(omitted)),
    data.subarray(-half),
  ]);
}

/**
 * Read at most cap bytes of a file: its head and tail when it is bigger (never all of a huge .full).
 * Under a guest's share, through it: a link there (to a host file) is not read, nor a FIFO.
 */
async function readCapped(
  path: string,
  cap: number,
  share?: Beneath,
): Promise<{ data: Buffer; bytes: number } | undefined> {
  const fh: FileHandle | undefined = await (
    share ? share.open(path, constants.O_RDONLY) : open(path, 'r')
  ).catch(() => undefined);
  if (!fh) return undefined;
  try {
    const st = await fh.stat();
    if (!st.isFile()) return undefined;
    if (st.size <= cap) return { data: await fh.readFile(), bytes: st.size };
    const half = Math.floor(cap / 2);
    const head = Buffer.alloc(half);
    const tail = Buffer.alloc(half);
    await fh.read(head, 0, half, 0);
    await fh.read(tail, 0, half, st.size - half);
    const marker = Buffer.from(truncationMarker(st.size - 2 * half));
    return { data: Buffer.concat([head, marker, tail]), bytes: st.size };
  } finally {
    await fh.close();
  }
}

export interface CollectOptions {
  /** fstests' REPORT_DIR: RESULT_BASE/<section> (see reportDir in verdicts/xunit.ts); none: console logs only. */
  reportDir?: string;
  /** The guest-writable dir reportDir lies in: its files are read through it (no link followed). */
  share?: Beneath;
  /** Where the copies go: <destDir>/<test>/<kind>. */
  destDir: string;
  tests: readonly string[];
  capBytes?: number;
  /** Serial-console excerpts per test (from the VM layer), stored as <test>/console.log. */
  consoleLogs?: Readonly<Record<string, string>>;
}

export async function collectArtifacts(opts: CollectOptions): Promise<CollectedArtifact[]> {
  const cap = opts.capBytes ?? DEFAULT_CAP_BYTES;
  const out: CollectedArtifact[] = [];
  const save = async (test: string, kind: string, data: Buffer, bytes: number) => {
    const path = join(opts.destDir, test, kind);
    await mkdir(dirname(path), { recursive: true });
    await writeFile(path, data);
    out.push({ test, kind, path, bytes, truncated: bytes > cap });
  };
  for (const test of opts.tests) {
    // Names become paths: only `dir/num` names, never `../x`.
    if (!TestName.safeParse(test).success) throw new Error(`collectArtifacts: not a test name: ${test}`);
    for (const kind of opts.reportDir === undefined ? [] : ARTIFACT_KINDS) {
      const got = await readCapped(join(opts.reportDir!, `${test}.${kind}`), cap, opts.share);
      if (got) await save(test, kind, got.data, got.bytes);
    }
    const consoleText = opts.consoleLogs?.[test];
    if (consoleText !== undefined) {
      const data = Buffer.from(consoleText);
      await save(test, 'console.log', truncateMiddle(data, cap), data.length);
    }
  }
  return out;
}
