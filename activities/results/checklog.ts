// fstests' check.log (check, _wrapup → _global_log): one block appended per section run,
//
//   (blank)
//   Kernel version: 6.1.0-…
//   Sat Nov 21 22:35:53 UTC 2026
//   Ran: generic/001 generic/002
//   Interrupted!                      (when check was stopped)
//   Not run: generic/003
//   Failures: generic/002
//   Failed 1 of 2 tests               (or: Passed all 2 tests)
//
// in RESULT_BASE/check.log, and with a sectioned config also in RESULT_BASE/<section>/check.log.
// It is written only when a section ends: a guest that dies mid-run adds no block.

export interface CheckLogRun {
  kernel?: string;
  date?: string;
  ran: string[];
  notRun: string[];
  failures: string[];
  interrupted: boolean;
  /** From `Failed N of M` / `Passed all M`; undefined when the block was cut short. */
  failed?: number;
  total?: number;
}

const words = (s: string) => s.split(/\s+/).filter(Boolean);

/** Every run block in the file, oldest first. */
export function parseCheckLog(text: string): CheckLogRun[] {
  const runs: CheckLogRun[] = [];
  let cur: CheckLogRun | undefined;
  const open = () =>
    (cur ??= (runs.push({ ran: [], notRun: [], failures: [], interrupted: false }), runs.at(-1)!));
  for (const line of text.split('\n').map((l) => l.trimEnd())) {
    let m: RegExpExecArray | null;
    if ((m = /^Kernel version: (.*)$/.exec(line))) {
      cur = undefined;
      open().kernel = m[1]!;
    } else if (line.startsWith('Ran: ')) open().ran = words(line.slice(5));
    else if (line.startsWith('Not run: ')) open().notRun = words(line.slice(9));
    else if (line.startsWith('Failures: ')) open().failures = words(line.slice(10));
    else if (line === 'Interrupted!') open().interrupted = true;
    else if ((m = /^Passed all (\d+) tests$/.exec(line)))
      Object.assign(open(), { failed: 0, total: Number(m[1]) });
    else if ((m = /^Failed (\d+) of (\d+) tests$/.exec(line))) {
      Object.assign(open(), { failed: Number(m[1]), total: Number(m[2]) });
    } else if (line && cur && cur.date === undefined && cur.ran.length === 0) cur.date = line;
  }
  return runs;
}

/** The newest block: the run that just ended. */
export function lastCheckLogRun(text: string): CheckLogRun | undefined {
  return parseCheckLog(text).at(-1);
}
