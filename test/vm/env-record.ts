import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

// What test/fixtures/fstests/common/record-env writes (`key=value` lines), and how two records
// (by hand under `vng --exec`, and in an fsto guest) are compared field by field: every field must
// be equal unless it is one of the deliberate differences below, each with its reason (the same
// reasons as docs/architecture.md, Inside the guest).

export const RECORDER = fileURLToPath(new URL('../fixtures/fstests/common/record-env', import.meta.url));

/** key → value; a key given twice (the kernel's `loglevel=0 … loglevel=1`) keeps the last. */
export function parseRecord(text: string): Map<string, string> {
  const m = new Map<string, string>();
  for (const line of text.split('\n')) {
    const i = line.indexOf('=');
    if (i > 0) m.set(line.slice(0, i), line.slice(i + 1));
  }
  return m;
}

/** Fields allowed to differ, and why. Anything else that differs fails the comparison. */
export const DELIBERATE: { match: RegExp; why: string }[] = [
  {
    match: /^cmdline\.(virtme[._].*|init|earlyprintk|nr_open)$/,
    why: "vng's own boot parameters: its init, its shares and overlays, its early console",
  },
  { match: /^cmdline\.(rdinit|fsto\..*)$/, why: "ours: the initramfs's init, the guest marker, the shares" },
  {
    match: /^(cmdline\.(quiet|loglevel)|sysctl\.kernel\.printk)$/,
    why: 'console log level 5 (vng: 1): warnings and stack traces must reach the console the supervisor scans for crashes',
  },
  {
    match: /^env\.nr_open$/,
    why: "vng's nr_open=1048576 boot parameter, which the kernel hands to init as an environment variable (fs.nr_open is compared)",
  },
  { match: /^hostname$/, why: 'each names its guest (virtme-ng, fsto-guest)' },
  {
    match: /^fd\.[02]$/,
    why: "stdin: /dev/null under the agent (a test cannot wait for input), vng's console port by hand; stderr: where each side collects output",
  },
  {
    match: /^session\.leader$/,
    why: 'the agent makes the command lead its own session so that a kill reaches all it started; vng runs it under a shell that leads the session. Neither has a controlling terminal (tty, session.tty_nr are compared)',
  },
  { match: /^daemon\.(python3|\(udev-worker\))$/, why: 'the agent itself; udev workers come and go' },
];

/** Scale with the guest's RAM: both sides have 2 GiB, but reserve slightly different amounts. */
const SCALES_WITH_RAM =
  /^(limit\.(processes|pending_signals)|sysctl\.(fs\.file-max|fs\.inotify\.max_user_watches|vm\.min_free_kbytes))$/;

const near = (a: string, b: string) => {
  const x = a.split('/').map(Number);
  const y = b.split('/').map(Number);
  return x.length === y.length && x.every((v, i) => Math.abs(v - y[i]!) <= 0.01 * Math.max(v, y[i]!));
};

/** A PATH as its search order: duplicates and directories that do not exist dropped (the guests'
 * root is this host's: vng also lists NixOS's /run/current-system/sw/bin). */
export const searchOrder = (path: string) =>
  [...new Set(path.split(':'))].filter((d) => d && existsSync(d)).join(':');

export interface FieldDiff {
  key: string;
  hand: string | undefined;
  fsto: string | undefined;
}

/** Fields that differ and are not deliberate differences. */
export function compareRecords(hand: Map<string, string>, fsto: Map<string, string>): FieldDiff[] {
  const keys = [...new Set([...hand.keys(), ...fsto.keys()])].sort();
  return keys.flatMap((key) => {
    const a = hand.get(key);
    const b = fsto.get(key);
    if (a === b || DELIBERATE.some((d) => d.match.test(key))) return [];
    if (a !== undefined && b !== undefined) {
      if (SCALES_WITH_RAM.test(key) && near(a, b)) return [];
      if (key === 'env.PATH' && searchOrder(a) === searchOrder(b)) return [];
    }
    return [{ key, hand: a, fsto: b }];
  });
}
