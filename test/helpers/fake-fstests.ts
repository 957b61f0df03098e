import { chmod, mkdir, mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** The smallest directory that passes the "is this an fstests build" check: an executable ./check. */
export async function fakeFstestsDir(): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'fsto-fstests-'));
  await mkdir(join(dir, 'tests'), { recursive: true });
  await writeFile(join(dir, 'check'), '#!/bin/sh\nexit 0\n');
  await chmod(join(dir, 'check'), 0o755);
  return dir;
}
