import { SECTION_CHARS, SECTION_RULE } from '../../common/schemas/config-vars';
import { checkPath, checkSection, configLine, invalid } from './config-values';
import { deviceVars } from './config';

// Pass-through mode: the user's own fstests config file and section, copied into the run dir
// (check reads it through HOST_OPTIONS, see checkEnv) with only what must be ours added:
//  - RESULT_BASE, always: results must land on the read-write results share;
//  - TEST_DIR / SCRATCH_MNT when given: the guest root is read-only apart from /tmp;
//  - the device variables when given: the user's device names mean nothing in our guest.
// Our lines go at the END of every section, so they win: fstests evaluates a section's lines in
// order (parse_config_section), and it loads the FIRST section at start-up whatever -s says. A config without sections is sourced by fstests as a
// shell script: our lines are appended as `export KEY="value"`. When we set SCRATCH_DEV_POOL we
// also blank SCRATCH_DEV (and the other way round), since fstests refuses both set.

export interface PassThroughInput {
  /** The user's config file's text. */
  text: string;
  /** The section to run; required when the file has sections, refused when it has none. */
  section?: string;
  resultBase: string;
  testDir?: string;
  scratchMnt?: string;
  deviceEnv?: Record<string, string>;
}

const HEADER = new RegExp(`^\\[([${SECTION_CHARS}]*)\\]`);
/** A line that is meant as a header but that fstests does not take for one (`[a.b]`; not `[ -n "$X" ]`). */
const LOOKS_LIKE_HEADER = /^\[[^\]\s]+\]\s*$/;
const ANY_HEADER = /^\s*\[/;
const MARK = '# --- added by fsto (these override the values above) ---';

/** Section names as fstests' get_config_sections() finds them. */
export function configSections(text: string): string[] {
  return text.split('\n').flatMap((l) => {
    const m = HEADER.exec(l);
    return m ? [m[1]!] : [];
  });
}

function overrides(input: PassThroughInput): [string, string][] {
  const vars: [string, string][] = [['RESULT_BASE', checkPath('resultBase', input.resultBase)]];
  if (input.testDir) vars.push(['TEST_DIR', checkPath('testDir', input.testDir)]);
  if (input.scratchMnt) vars.push(['SCRATCH_MNT', checkPath('scratchMnt', input.scratchMnt)]);
  if (input.deviceEnv && Object.keys(input.deviceEnv).length) {
    const devs = deviceVars(input.deviceEnv);
    vars.push(...devs);
    const has = (k: string) => devs.some(([key]) => key === k);
    if (has('SCRATCH_DEV_POOL')) vars.push(['SCRATCH_DEV', '']);
    else if (has('SCRATCH_DEV')) vars.push(['SCRATCH_DEV_POOL', '']);
  }
  return vars;
}

/** The user's config with our lines added; throws InvalidSpec naming the problem. */
export function passThroughConfig(input: PassThroughInput): string {
  const sections = configSections(input.text);
  const lines = input.text.replace(/\n$/, '').split('\n');
  const ours = overrides(input).map(([k, v]) => configLine(k, v));
  const unrecognised = lines.flatMap((l) => (!HEADER.test(l) && LOOKS_LIKE_HEADER.test(l) ? [l.trim()] : []));
  if (unrecognised.length) invalid('configFile', `${unrecognised.join(', ')}: ${SECTION_RULE}`);
  if (sections.length === 0) {
    if (input.section !== undefined) {
      invalid('section', `the config file has no [sections]; run it without a section`);
    }
    return [...lines, MARK, ...ours.map((l) => `export ${l}`), ''].join('\n');
  }
  if (input.section === undefined) {
    invalid('section', `the config file has sections (${sections.join(', ')}); name the one to run`);
  }
  const section = checkSection(input.section);
  if (!sections.includes(section)) {
    invalid('section', `no [${section}] in the config file; it has ${sections.join(', ')}`);
  }
  // Every section gets our lines: common/config loads (and checks the devices and mountpoints
  // of) the FIRST section when check starts, whichever section -s names.
  const out: string[] = [];
  const closeSection = () => {
    let blank = 0;
    while (out.length && out.at(-1)!.trim() === '' && !HEADER.test(out.at(-1)!)) {
      out.pop();
      blank++;
    }
    out.push(MARK, ...ours, ...Array<string>(blank).fill(''));
  };
  let inSection = false;
  for (const line of lines) {
    if (ANY_HEADER.test(line)) {
      if (inSection) closeSection();
      inSection = HEADER.test(line);
    }
    out.push(line);
  }
  if (inSection) closeSection();
  return [...out, ''].join('\n');
}
