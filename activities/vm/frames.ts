// The agent protocol: newline-delimited JSON frames over the virtio-serial port (guest/agent.py
// is the other end). Pure.

export type GuestFrame =
  | { t: 'ready'; release: string; uptime: number; warnings?: string[] }
  | { t: 'out'; id: number; fd: 1 | 2; b64: string }
  | { t: 'exit'; id: number; code: number | null; signal: number | null }
  | { t: 'pong'; id: number }
  | { t: 'error'; id: number; message: string };

export type HostFrame =
  | { t: 'exec'; id: number; argv: string[]; env?: Record<string, string>; cwd?: string }
  | { t: 'kill'; id: number }
  | { t: 'ping'; id: number }
  | { t: 'poweroff' };

export function encodeFrame(frame: HostFrame): string {
  return `${JSON.stringify(frame)}\n`;
}

/** Split a byte stream into frames; a line that is not JSON is reported, not fatal. */
export function frameSplitter(onFrame: (f: GuestFrame) => void, onJunk: (line: string) => void = () => {}) {
  let buf = '';
  return (chunk: Buffer | string) => {
    buf += chunk.toString();
    let nl: number;
    while ((nl = buf.indexOf('\n')) >= 0) {
      const line = buf.slice(0, nl).trim();
      buf = buf.slice(nl + 1);
      if (!line) continue;
      try {
        onFrame(JSON.parse(line) as GuestFrame);
      } catch {
        onJunk(line);
      }
    }
  };
}
