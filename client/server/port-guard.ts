import { pidAlive } from '../../activities/pid';
import { run } from '../../activities/process';
import { guardScript, listedGuards, unguardScript, type Guard } from './port-guard-rules';
import { LISTEN, tcpSockets } from './proc-tcp';

// Applying and removing the embedded server's port guard (port-guard-rules.ts) with nft. Needs
// nftables and CAP_NET_ADMIN (a root fsto has it; scripts/setup-host.sh installs nftables).

const nft = (script: string) => run(['nft', '-f', '-'], { input: script, timeoutMs: 10_000 });

/** Keep `ports` for `uid`; the reason when that cannot be done (no nft, no privilege). */
export async function guardPorts(
  g: Guard,
  ports: readonly number[],
  uid: number,
): Promise<string | undefined> {
  try {
    const r = await nft(guardScript(g, ports, uid));
    return r.exitCode === 0 ? undefined : r.stderr.trim().split('\n')[0] || `nft exited ${r.exitCode}`;
  } catch (err) {
    return (err as Error).message; // no nft binary
  }
}

export async function unguard(g: Guard): Promise<void> {
  await nft(unguardScript(g)).catch(() => undefined);
}

/** Remove the guards whose maker has exited and whose server no longer listens (it died or was stopped). */
export async function sweepStaleGuards(): Promise<Guard[]> {
  const listed = await run(['nft', 'list', 'tables'], { timeoutMs: 10_000 }).catch(() => undefined);
  if (!listed || listed.exitCode !== 0) return [];
  const listening = new Set((await tcpSockets()).filter((s) => s.state === LISTEN).map((s) => s.localPort));
  const stale = listedGuards(listed.stdout).filter((g) => !pidAlive(g.pid) && !listening.has(g.port));
  for (const g of stale) await unguard(g);
  return stale;
}
