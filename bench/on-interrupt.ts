// A bench interrupted (Ctrl-C, SIGTERM) cleans up before it exits 130. A terminal's Ctrl-C
// reaches both tsx and the bench's process, and tsx relays it: later signals are ignored, so a
// second one cannot kill the cleanup half-way (it did: a background server outlived the bench).
export function onInterrupt(cleanup: (signal: NodeJS.Signals) => Promise<unknown>): void {
  let stopping = false;
  for (const sig of ['SIGINT', 'SIGTERM'] as const)
    process.on(sig, () => {
      if (stopping) return;
      stopping = true;
      void cleanup(sig)
        .catch((err: unknown) => console.error(`cleanup failed: ${String(err)}`))
        .finally(() => process.exit(130));
    });
}
