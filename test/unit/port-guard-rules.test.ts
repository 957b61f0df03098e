import { describe, expect, it } from 'vitest';
import { run } from '../../activities/process';
import { devServerArgv } from '../../client/server/dev-server-argv';
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

  it('names every port the dev server listens on, so all are guarded', () => {
    const argv = devServerArgv({ bin: 't', port: 1, uiPort: 2, httpPort: 3, metricsPort: 4, dbFile: 'd' });
    expect(argv.join(' ')).toContain('--port 1 --ui-port 2 --http-port 3 --metrics-port 4');
  });
});
