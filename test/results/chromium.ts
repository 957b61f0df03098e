import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { run } from '../../activities/process';

// Headless Chromium (Debian's `chromium` package; scripts/setup-host.sh installs it) for the
// report tests: a screenshot and the DOM after rendering. Offline: no first-run, sync,
// component updates or background networking. A fresh profile dir per call.

export const CHROMIUM = process.env.FSTO_CHROMIUM ?? '/usr/bin/chromium';

export function chromiumArgv(opts: {
  bin?: string;
  userDataDir: string;
  file: string;
  screenshot?: string;
  dumpDom?: boolean;
  windowSize?: [number, number];
}): string[] {
  const [w, h] = opts.windowSize ?? [1280, 900];
  return [
    opts.bin ?? CHROMIUM,
    '--headless',
    '--no-sandbox',
    '--disable-gpu',
    '--disable-quic',
    '--no-first-run',
    '--disable-background-networking',
    '--disable-component-update',
    '--disable-sync',
    `--user-data-dir=${opts.userDataDir}`,
    `--window-size=${w},${h}`,
    ...(opts.screenshot ? [`--screenshot=${opts.screenshot}`] : []),
    ...(opts.dumpDom ? ['--dump-dom'] : []),
    pathToFileURL(opts.file).href,
  ];
}

/** Run Chromium once with a throw-away profile; returns stdout (the DOM with dumpDom). */
export async function chromium(
  opts: Omit<Parameters<typeof chromiumArgv>[0], 'userDataDir'>,
): Promise<string> {
  const userDataDir = await mkdtemp(join(tmpdir(), 'fsto-chromium-'));
  try {
    const res = await run(chromiumArgv({ ...opts, userDataDir }), { timeoutMs: 60_000 });
    if (res.exitCode !== 0) throw new Error(`chromium exited ${res.exitCode}: ${res.stderr.slice(-2000)}`);
    return res.stdout;
  } finally {
    await rm(userDataDir, { recursive: true, force: true });
  }
}
