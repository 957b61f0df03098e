// The embedded dev server has no authentication (Temporal CLI 1.5.1's start-dev has no TLS), so
// fsto keeps its ports for their owner in the kernel: an nftables table of its own per server, on
// the output hook of `lo`, rejects TCP connections to the server's ports (gRPC, Web UI, HTTP API,
// metrics) from sockets of any other uid. The table is named by the server's gRPC port and the pid
// of the fsto that made it, so a guard whose maker and server are both gone can be told apart from
// one whose server is still starting. This file builds the nft scripts (data, no I/O).

export const GUARD_PREFIX = 'fsto_embedded_';

export interface Guard {
  /** The server's gRPC port. */
  port: number;
  /** The fsto process that made the guard. */
  pid: number;
}

export const guardTable = (g: Guard) => `${GUARD_PREFIX}${g.port}_${g.pid}`;

/** An nft script (for `nft -f -`) that makes the guard: only `uid` may connect to `ports` on lo. */
export function guardScript(g: Guard, ports: readonly number[], uid: number): string {
  const t = `inet ${guardTable(g)}`;
  return [
    // Declaring the table first makes the delete succeed when there is none: the script is idempotent.
    `table ${t}`,
    `delete table ${t}`,
    `table ${t} {`,
    '  chain out {',
    '    type filter hook output priority filter; policy accept;',
    `    oif "lo" tcp dport { ${[...new Set(ports)].join(', ')} } meta skuid != ${uid} reject with tcp reset`,
    '  }',
    '}',
    '',
  ].join('\n');
}

/** The script that removes a guard (no error when it is gone). */
export const unguardScript = (g: Guard) =>
  `table inet ${guardTable(g)}\ndelete table inet ${guardTable(g)}\n`;

/** The guards named in `nft list tables` output. */
export function listedGuards(listTables: string): Guard[] {
  const re = new RegExp(`^table inet ${GUARD_PREFIX}(\\d+)_(\\d+)$`);
  return listTables.split('\n').flatMap((l) => {
    const m = re.exec(l.trim());
    return m ? [{ port: Number(m[1]), pid: Number(m[2]) }] : [];
  });
}
