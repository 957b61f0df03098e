import { pidAlive } from '../activities/pid';
import { run } from '../activities/process';
import { guardScript, listedGuards, unguardScript, type Guard } from './port-guard-rules';
import { listenerUid } from './server-owner';

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
  const stale: Guard[] = [];
  for (const g of listedGuards(listed.stdout))
    if (!pidAlive(g.pid) && (await listenerUid(g.port)) === undefined) stale.push(g);
  for (const g of stale) await unguard(g);
  return stale;
}
