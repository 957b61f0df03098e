import { Context } from '@temporalio/activity';

// VM work of one process runs under a limit equal to the host's VM slots. Admission (a slot per
// claimed run, one batch at a time per run) keeps it from ever binding in normal operation; it
// binds when a batch is retried while its earlier attempt is still stopping its VM. A batch that
// waits here has started (so it is never taken for a lost host) and heartbeats what its earlier
// attempt reported, so the resume point survives the wait.

export function vmLimit(slots: number) {
  let free = slots;
  const waiters: (() => void)[] = [];
  const release = () => {
    const next = waiters.shift();
    if (next) next();
    else free++;
  };
  const acquire = async (): Promise<void> => {
    if (free > 0) {
      free--;
      return;
    }
    const ctx = Context.current();
    if (ctx.cancellationSignal.aborted) throw ctx.cancellationSignal.reason as Error;
    const beat = setInterval(() => ctx.heartbeat(ctx.info.heartbeatDetails), 10_000);
    try {
      await new Promise<void>((resolve, reject) => {
        const take = () => {
          ctx.cancellationSignal.removeEventListener('abort', cancel);
          resolve();
        };
        const cancel = () => {
          waiters.splice(waiters.indexOf(take), 1);
          reject(ctx.cancellationSignal.reason as Error);
        };
        waiters.push(take);
        ctx.cancellationSignal.addEventListener('abort', cancel, { once: true });
      });
    } finally {
      clearInterval(beat);
    }
  };
  return <A extends unknown[], R>(fn: (...args: A) => Promise<R>) =>
    async (...args: A): Promise<R> => {
      await acquire();
      try {
        return await fn(...args);
      } finally {
        release();
      }
    };
}
