// Process liveness, apart from activities/process.ts: the CLI's hot path (`fsto run` finding the
// background worker) needs it without loading execa (~80 ms of a command's start-up).

/** Whether a process of this host exists (signal 0; EPERM: it exists, it is someone else's). */
export function pidAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}
