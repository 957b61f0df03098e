import type { Command } from 'commander';
import { stateDir } from '../../activities/settings';
import { ensureDevServer } from '../server/dev-server';
import { DEFAULT_PORT, DEFAULT_UI_PORT } from '../server/dev-server-argv';

export function registerServerCommand(program: Command): void {
  program
    .command('server')
    .description('run the embedded Temporal server (SQLite in the state dir, Web UI) in the foreground')
    .option('--port <port>', 'frontend port', String(DEFAULT_PORT))
    .option('--ui-port <port>', 'Web UI port', String(DEFAULT_UI_PORT))
    .option('--state-dir <dir>', 'where the SQLite file and the server log live', stateDir())
    .action(async (f: { port: string; uiPort: string; stateDir: string }) => {
      // Listened for before the server starts: a signal while it comes up stops it once it is up,
      // rather than ending this process the default way with the server half started.
      const signalled = new Promise<void>((resolve) => {
        process.once('SIGINT', resolve);
        process.once('SIGTERM', resolve);
      });
      const server = await ensureDevServer({
        port: Number(f.port),
        uiPort: Number(f.uiPort),
        dir: f.stateDir,
      });
      if (!server.started) {
        console.error(`fsto server: a Temporal server already answers on ${server.address}`);
        process.exitCode = 1;
        return;
      }
      console.log(
        `Temporal server on ${server.address}${server.uiPid ? `; Web UI http://localhost:${server.uiPort}` : ''}`,
      );
      await signalled;
      await server.stop();
    });
}
