// Ctrl-C in the CLI: the n-th interrupt (SIGINT, or SIGTERM from a script) calls steps[n - 1];
// one more than there are steps ends the process at once (exit 130, as shells report SIGINT).

export const EXIT_INTERRUPTED = 130;

/** Install the handlers; the returned function removes them. */
export function onInterrupt(
  steps: readonly (() => void)[],
  exit: (code: number) => void = (c) => process.exit(c),
): () => void {
  let count = 0;
  const handler = () => {
    const step = steps[count++];
    if (step) step();
    else exit(EXIT_INTERRUPTED);
  };
  process.on('SIGINT', handler);
  process.on('SIGTERM', handler);
  return () => {
    process.off('SIGINT', handler);
    process.off('SIGTERM', handler);
  };
}
