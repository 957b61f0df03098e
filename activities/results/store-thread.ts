import { parentPort } from 'node:worker_threads';
import { storeJobs, type StoreJob } from './store-jobs';

// The results store's thread (off-loop.ts starts it): runs store jobs as the worker asks, each
// answered by its request id; a failure goes back as its message and stack, never kills the thread.

export interface JobRequest {
  id: number;
  job: StoreJob;
  input: unknown;
}
export type JobReply =
  | { id: number; ok: true; out: unknown }
  | { id: number; ok: false; error: { name: string; message: string; stack?: string } };

const port = parentPort;
if (!port) throw new Error('store-thread.ts runs as a worker thread (off-loop.ts)');
port.on('message', (req: JobRequest) => {
  const fn = storeJobs[req.job] as (input: unknown) => Promise<unknown>;
  fn(req.input).then(
    (out) => port.postMessage({ id: req.id, ok: true, out } satisfies JobReply),
    (err: unknown) => {
      const e = err instanceof Error ? err : new Error(String(err));
      port.postMessage({
        id: req.id,
        ok: false,
        error: { name: e.name, message: e.message, ...(e.stack ? { stack: e.stack } : {}) },
      } satisfies JobReply);
    },
  );
});
