import { LISTEN, tcpSockets } from './proc-tcp';

// The embedded dev server (`temporal server start-dev`) has no TLS or authentication: whoever
// reaches its port starts workflows, and a root worker runs them. It listens on 127.0.0.1 only;
// on top of that fsto uses an embedded server only when the process listening on the port is the
// caller's own user (the kernel says whose socket it is: /proc/net/tcp's uid column). So a local
// user's `fsto run` is refused by root's server, and root's fsto never polls a server a local
// user started first on the port. A local user who speaks gRPC to the port with another client
// is stopped by the kernel (client/server/port-guard-rules.ts; docs/scale-out.md, Who may start work).

export class NotYourServer extends Error {}

/** The uid of the socket listening on TCP port (any local address), or undefined if none. */
export async function listenerUid(port: number): Promise<number | undefined> {
  return (await tcpSockets()).find((s) => s.state === LISTEN && s.localPort === port)?.uid;
}

/** Refuse an embedded server at address that another user runs (nothing listening: fine). */
export async function assertOwnServer(address: string, uid = process.getuid?.()): Promise<void> {
  const port = Number(address.split(':').pop());
  const owner = await listenerUid(port);
  if (owner === undefined || uid === undefined || owner === uid) return;
  throw new NotYourServer(
    `the embedded Temporal server on ${address} runs as uid ${owner}, not as you (uid ${uid}): ` +
      "fsto uses only its own user's embedded server (it has no authentication, and its worker " +
      'runs as root). Run fsto as that user, give --address of a server you may use, or set ' +
      'server.port in ~/.config/fsto/config.yaml to a free port for your own embedded server.',
  );
}
