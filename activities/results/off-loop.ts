import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { SHARE_ENV, Worker } from 'node:worker_threads';
import type { StoreJob, StoreJobs } from './store-jobs';
import type { JobReply, JobRequest } from './store-thread';

// The results store's jobs on a thread of their own, one per process, started at the first job:
// a night's report is seconds of CPU (SQLite-wasm, comparison, HTML), which on the worker's event
// loop held every heartbeat, every other activity's I/O and the workflow tasks for as long (the
// thread keeps that loop free: bench/store-nightly.ts measures both). The thread loads the
// TypeScript sources through tsx, as the worker does when not bundled; it shares the process's
// environment (state dir, store URL). A thread that dies fails the jobs it had; the next job
// starts another.

interface Pending {
  resolve: (v: unknown) => void;
  reject: (e: Error) => void;
}

let thread: { worker: Worker; pending: Map<number, Pending> } | undefined;
let nextId = 1;

/** The thread's entry: tsx's loader registered, then store-thread.ts (a .ts source, also bundled). */
function threadCode(): string {
  const tsx = dirname(createRequire(import.meta.url).resolve('tsx/package.json'));
  const api = pathToFileURL(join(tsx, 'dist/esm/api/index.mjs')).href;
  const entry = new URL('./store-thread.ts', import.meta.url).href;
  return `import(${JSON.stringify(api)}).then((m) => { m.register(); return import(${JSON.stringify(entry)}); });`;
}

function start(): NonNullable<typeof thread> {
  const worker = new Worker(threadCode(), { eval: true, env: SHARE_ENV });
  const t = { worker, pending: new Map<number, Pending>() };
  const fail = (err: Error) => {
    if (thread === t) thread = undefined;
    for (const p of t.pending.values()) p.reject(err);
    t.pending.clear();
  };
  worker.on('message', (r: JobReply) => {
    const p = t.pending.get(r.id);
    if (!p) return;
    t.pending.delete(r.id);
    if (!t.pending.size) worker.unref(); // idle: never what keeps a process alive
    if (r.ok) p.resolve(r.out);
    else p.reject(Object.assign(new Error(r.error.message), r.error));
  });
  worker.on('error', (err) => fail(new Error(`results store thread failed: ${err.message}`)));
  worker.on('exit', (code) => fail(new Error(`results store thread exited (${code})`)));
  return t;
}

/** Run a store job on the store's thread; resolves with what the job returns. */
export function offLoop<J extends StoreJob>(
  job: J,
  input: Parameters<StoreJobs[J]>[0],
): ReturnType<StoreJobs[J]> {
  thread ??= start();
  const t = thread;
  const id = nextId++;
  t.worker.ref();
  return new Promise<unknown>((resolve, reject) => {
    t.pending.set(id, { resolve, reject });
    t.worker.postMessage({ id, job, input } satisfies JobRequest);
  }) as ReturnType<StoreJobs[J]>;
}

/** Stop the thread (tests, a worker's shutdown); the next job starts another. */
export async function stopStoreThread(): Promise<void> {
  const t = thread;
  thread = undefined;
  if (t) await t.worker.terminate();
}
