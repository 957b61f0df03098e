import { NativeConnection, Worker } from '@temporalio/worker';
import { installRuntime } from '../../workers/runtime';

// A process of test/workflow/runtime-log.test.ts: the product's runtime at the given level, then a
// real worker that starts and stops.
const [address, level] = process.argv.slice(2) as [string, 'INFO' | 'ERROR'];
installRuntime({ logLevel: level });
const connection = await NativeConnection.connect({ address });
const worker = await Worker.create({
  connection,
  taskQueue: `runtime-log-${process.pid}`,
  activities: { noop: async () => undefined },
});
await worker.runUntil(new Promise((r) => setTimeout(r, 1000)));
await connection.close();
