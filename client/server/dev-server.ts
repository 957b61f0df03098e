import { stateDir } from '../../activities/settings';
import { DEFAULT_PORT, DEFAULT_UI_PORT, devServerAddress } from './dev-server-argv';
import { assertOwnServer } from './server-owner';
import { foundDevServer, reachable, type DevServer } from './server-probe';

export { connectIfServing, foundDevServer, freePort, type DevServer } from './server-probe';

/** The embedded server: the one answering on its port (ours: server-owner.ts), or one started now. */
export async function ensureDevServer(
  o: { port?: number; uiPort?: number; dir?: string; headless?: boolean; outlive?: boolean } = {},
): Promise<DevServer> {
  const port = o.port ?? DEFAULT_PORT;
  const uiPort = o.uiPort ?? DEFAULT_UI_PORT;
  const address = devServerAddress(port);
  await assertOwnServer(address);
  if (await reachable(address, 1000)) return foundDevServer(address, uiPort);
  // Loaded only to start one (execa, nft…): most commands find a server answering.
  const { startEmbedded } = await import('./embedded-start');
  return startEmbedded({ ...o, port, uiPort, address, dir: o.dir ?? stateDir() });
}
