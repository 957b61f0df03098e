import { describe, expect, it } from 'vitest';
import { run } from '../../activities/process';
import {
  embeddedServerConfig,
  embeddedUiConfig,
  guardedPorts,
  PICKED_PORTS,
} from '../../client/server/embedded-config';
import { guardScript, listedGuards, unguardScript } from '../../client/server/port-guard-rules';

// The oracle is nft itself: `nft -c` parses and checks a script against the kernel without applying it.
describe('the embedded server port guard (nft scripts)', () => {
  const g = { port: 47233, pid: 4242 };

  it('nft accepts the guard and its removal, run twice (idempotent)', async () => {
    const script = guardScript(g, [47233, 48233, 47233, 39001], 0);
    expect(script).toContain('tcp dport { 47233, 48233, 39001 } meta skuid != 0 reject');
    for (const s of [script, script, unguardScript(g), unguardScript(g)]) {
      const r = await run(['nft', '-c', '-f', '-'], { input: s });
      expect(r.exitCode, r.stderr).toBe(0);
    }
  });

  it('reads back the guards in `nft list tables` output, and nothing else', () => {
    const out =
      'table inet filter\ntable inet fsto_embedded_7233_1200\ntable ip fsto_embedded_1_2\ntable inet fsto_embedded_x_1\n';
    expect(listedGuards(out)).toEqual([{ port: 7233, pid: 1200 }]);
  });

  it('guards every port the server and its UI are configured to listen on', () => {
    const ports = Object.fromEntries(
      ['frontend', 'ui', ...PICKED_PORTS].map((k, i) => [k, 40001 + i]),
    ) as unknown as Parameters<typeof guardedPorts>[0];
    // Every port number written into either config file (walked generically, not by field name).
    const configured = new Set<number>();
    const walk = (v: unknown): void => {
      if (typeof v === 'number' && v > 40000) configured.add(v);
      else if (typeof v === 'string')
        for (const m of v.matchAll(/:(4\d{4})\b/g)) configured.add(Number(m[1]));
      else if (v && typeof v === 'object') Object.values(v).forEach(walk);
    };
    walk(embeddedServerConfig({ ports, dbFile: 'd', ip: '127.0.0.1' }));
    walk(embeddedUiConfig({ ports, ip: '127.0.0.1' }));
    expect(configured.size).toBe(11);
    expect(new Set(guardedPorts(ports))).toEqual(configured);
    expect(guardedPorts(ports, true)).not.toContain(ports.ui);
  });
});
