import { GroupName, TestName } from '../../common/schemas';
import { checkPath, checkSection, invalid } from './config-values';

// argv for fstests' `./check` (pure). check stops reading options at the first test name
// ("Arguments before tests, please!"), so options come first, tests last. With no test and no
// group, check runs `-g auto` by itself; we leave that default to check.

export interface CheckSelection {
  /** `-s SECTION`: the config section to run; omit for a config without sections. */
  section?: string;
  tests?: readonly string[];
  /** `-g a,b` */
  groups?: readonly string[];
  /** `-x a,b` */
  excludeGroups?: readonly string[];
  /** `-e a,b`: single tests left out. */
  excludeTests?: readonly string[];
  /** `-E FILE`: a guest path to an exclude list (`generic/001  # why`). */
  excludeFile?: string;
  /** `-R xunit` (default true): results/<section>/result.xml. */
  xunit?: boolean;
  /** `-i N`: run the whole list N times. */
  iterations?: number;
  /** `-L N`: rerun a failing test N more times at once (check prints aggregate results). */
  loopOnFail?: number;
}

function checked<T>(schema: { safeParse(v: unknown): { success: boolean } }, field: string, v: T): T {
  if (!schema.safeParse(v).success) invalid(field, `${JSON.stringify(v)} is not valid`);
  return v;
}

function count(field: string, n: number): string {
  if (!Number.isInteger(n) || n < 0 || n > 100) invalid(field, `${n} is not a whole number from 0 to 100`);
  return String(n);
}

/** argv to run the selection. */
export function checkArgv(sel: CheckSelection): string[] {
  const argv = ['./check'];
  if (sel.xunit ?? true) argv.push('-R', 'xunit');
  if (sel.section !== undefined) argv.push('-s', checkSection(sel.section));
  if (sel.iterations !== undefined && sel.iterations > 1)
    argv.push('-i', count('iterations', sel.iterations));
  if (sel.loopOnFail !== undefined && sel.loopOnFail > 0)
    argv.push('-L', count('loopOnFail', sel.loopOnFail));
  const groups = (sel.groups ?? []).map((g) => checked(GroupName, 'groups', g));
  const xgroups = (sel.excludeGroups ?? []).map((g) => checked(GroupName, 'excludeGroups', g));
  if (groups.length) argv.push('-g', groups.join(','));
  if (xgroups.length) argv.push('-x', xgroups.join(','));
  const xtests = (sel.excludeTests ?? []).map((t) => checked(TestName, 'excludeTests', t));
  if (xtests.length) argv.push('-e', xtests.join(','));
  if (sel.excludeFile !== undefined) argv.push('-E', checkPath('excludeFile', sel.excludeFile));
  argv.push(...(sel.tests ?? []).map((t) => checked(TestName, 'tests', t)));
  return argv;
}

/**
 * argv to list the selection without running it (`-n`, "show me, do not run tests"). Without
 * `-R xunit`: with it, check would overwrite result.xml with every test as skipped. Note that
 * check still sources the config and mkfs/mounts SCRATCH_DEV before listing: list in the guest.
 */
export function listArgv(sel: CheckSelection): string[] {
  const [check, ...rest] = checkArgv({ ...sel, xunit: false, iterations: 1, loopOnFail: 0 });
  return [check!, '-n', ...rest];
}

export interface TestListing {
  /** Tests check would run, in its order. */
  tests: string[];
  /** Tests the -E/-X/-e lists remove (check prints them as `[expunged]`). */
  expunged: string[];
  /** Names check did not find (`generic/999 - unknown test, ignored`). */
  unknown: string[];
}

const LISTED = /^([a-z0-9_-]+\/[0-9][0-9A-Za-z-]*)\s*(\[expunged\])?\s*$/;
const UNKNOWN = /^(\S+) - unknown test, ignored$/;

/** Parse `check -n` stdout: one test per line (padded), `[expunged]` after excluded ones. */
export function parseListing(stdout: string): TestListing {
  const out: TestListing = { tests: [], expunged: [], unknown: [] };
  for (const raw of stdout.split('\n')) {
    const line = raw.trimEnd();
    const unknown = UNKNOWN.exec(line);
    if (unknown) {
      out.unknown.push(unknown[1]!);
      continue;
    }
    const m = LISTED.exec(line);
    if (!m) continue;
    (m[2] ? out.expunged : out.tests).push(m[1]!);
  }
  return out;
}
