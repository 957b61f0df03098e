import { readdir, readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { join } from 'node:path';
import { historyFromJSON } from '@temporalio/common/lib/proto-utils';

export const historiesDir = fileURLToPath(new URL('./histories', import.meta.url));

/**
 * File name of a recorded history: `<name>--<workflowId>.json`. Replay needs the original
 * workflow id (child workflow ids and the like are derived from it).
 */
export const historyFileName = (name: string, workflowId: string) => `${name}--${workflowId}.json`;

/** Every recorded history, with its workflow id and type. */
export async function loadHistories() {
  const files = (await readdir(historiesDir)).filter((f) => f.endsWith('.json')).sort();
  return Promise.all(
    files.map(async (f) => {
      const history = historyFromJSON(JSON.parse(await readFile(join(historiesDir, f), 'utf8')));
      const type = history.events?.[0]?.workflowExecutionStartedEventAttributes?.workflowType?.name ?? '';
      return {
        workflowId: f
          .replace(/\.json$/, '')
          .split('--')
          .pop()!,
        type,
        history,
      };
    }),
  );
}
