// Record a real run's history for the replay tests:
//   npm run record-history -- <workflowId> <name>
// Connects like every fsto command (TEMPORAL_ADDRESS, or the embedded dev server and its SQLite
// file in FSTO_STATE_DIR) and writes test/replay/histories/<name>--<workflowId>.json.
import { mkdir, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { historyToJSON } from '@temporalio/common/lib/proto-utils';
import { openSession } from '../../client/server/temporal';
import { historyFileName } from './histories';

const [workflowId, name] = process.argv.slice(2);
if (!workflowId || !name || !/^[A-Za-z0-9._-]+$/.test(name)) {
  console.error('usage: npm run record-history -- <workflowId> <name>   (name: A-Z a-z 0-9 . _ -)');
  process.exit(2);
}
const session = await openSession({
  address: process.env.TEMPORAL_ADDRESS,
  namespace: process.env.TEMPORAL_NAMESPACE ?? 'default',
});
try {
  const handle = session.client.workflow.getHandle(workflowId);
  const desc = await handle.describe();
  if (desc.status.name === 'RUNNING') throw new Error(`${workflowId} is still running; record a closed run`);
  const out = fileURLToPath(new URL(`./histories/${historyFileName(name, workflowId)}`, import.meta.url));
  await mkdir(dirname(out), { recursive: true });
  await writeFile(out, historyToJSON(await handle.fetchHistory()));
  console.log(`recorded ${workflowId} (${desc.type}, ${desc.status.name}) to ${out}`);
} finally {
  await session.close();
}
