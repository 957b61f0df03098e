// A command that must finish its cleanup after its terminal closed (SIGHUP): writing to (or, for
// fsto shell, reading from) a hung-up terminal fails (EIO; EPIPE for a closed pipe), and an
// unhandled 'error' on the stream would end the process before it released its devices. Those two
// errors are dropped; any other is thrown as before.

const LOST = new Set(['EIO', 'EPIPE']);

export function survivesLostTerminal(
  streams: (NodeJS.ReadStream | NodeJS.WriteStream)[] = [process.stdout, process.stderr],
): void {
  for (const s of streams)
    s.on('error', (err: NodeJS.ErrnoException) => {
      if (!LOST.has(err.code ?? '')) throw err;
    });
}
