export const DEFAULT_PORT = 7233;
export const DEFAULT_UI_PORT = 8233;
/** The embedded server's frontend on this host. */
export const devServerAddress = (port = DEFAULT_PORT) => `127.0.0.1:${port}`;

/** The embedded server's Web UI. */
export const embeddedUiBase = (uiPort: number) => `http://localhost:${uiPort}`;
