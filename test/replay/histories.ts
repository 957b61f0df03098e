import { readdir, readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { join } from 'node:path';
import { historyFromJSON } from '@temporalio/common/lib/proto-utils';

export const historiesDir = fileURLToPath(new URL('./histories', import.meta.url));

/** Every recorded history, named by its file. */
export async function loadHistories() {
  const files = (await readdir(historiesDir)).filter((f) => f.endsWith('.json')).sort();
  return Promise.all(
    files.map(async (f) => ({
      workflowId: f.replace(/\.json$/, ''),
      history: historyFromJSON(JSON.parse(await readFile(join(historiesDir, f), 'utf8'))),
    })),
  );
}
