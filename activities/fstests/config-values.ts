import { FstoError, INVALID_SPEC } from '../../common/errors';
import {
  CONFIG_KEY,
  SAFE_VALUE,
  SAFE_VALUE_RULE,
  SECTION_NAME,
  SECTION_RULE,
  SQUEEZED_BLANKS,
  SQUEEZED_BLANKS_RULE,
} from '../../common/schemas/config-vars';

// What may go into an fstests config file, and how it is written.
//
// fstests does not source a sectioned config: common/config parse_config_section() rewrites each
// `KEY=value` line of the section with sed into `export KEY="value"` and eval()s the result. So:
//  - inside the double quotes, $…, $(…), `…` and \ are expanded by that eval: shell injection;
//  - a value holding " or ' does not match its sed pattern: the raw line is eval()ed unquoted;
//  - everything after # is dropped as a comment, and blanks around any = are squeezed out;
//  - a newline would start a line of its own.
// No escaping survives all of that, so values are limited to characters that mean nothing to the
// shell there, and anything else is refused with the field's name (before any resource exists).
// The rules are common/schemas/config-vars.ts's, the same the spec is validated with in the CLI and
// the workflow: here they guard what reaches a config by other ways (our own paths, device names).

/** A guest path: absolute, no blanks (fstests uses $TEST_DIR etc. unquoted), no `..`. */
const SAFE_PATH = /^\/[A-Za-z0-9_.,:+@%~/-]*$/;

export function invalid(field: string, message: string): never {
  throw new FstoError(`invalid fstests config: ${field}: ${message}`, INVALID_SPEC);
}

/** A config value that fstests' sed+eval passes through unchanged; throws naming the field otherwise. */
export function checkValue(field: string, value: string): string {
  if (!SAFE_VALUE.test(value)) {
    const bad = [...value].find((c) => !SAFE_VALUE.test(c)) ?? '';
    invalid(field, `character ${JSON.stringify(bad)} is not allowed; ${SAFE_VALUE_RULE}`);
  }
  if (SQUEEZED_BLANKS.test(value)) invalid(field, SQUEEZED_BLANKS_RULE);
  return value;
}

export function checkKey(key: string): string {
  if (!CONFIG_KEY.test(key))
    invalid(key || '(empty)', 'a config variable is upper-case letters, digits and _');
  return key;
}

export function checkSection(section: string): string {
  if (!SECTION_NAME.test(section)) invalid('section', `"${section}" is not a section name: ${SECTION_RULE}`);
  return section;
}

export function checkPath(field: string, path: string): string {
  if (!SAFE_PATH.test(path) || path.split('/').includes('..')) {
    invalid(field, `"${path}" must be an absolute path without blanks, quotes, $ or ".."`);
  }
  return path;
}

/** A device list (`/dev/vdb /dev/vdc`): each one a safe absolute path. */
export function checkDevices(field: string, value: string): string[] {
  const devs = value.split(/\s+/).filter(Boolean);
  if (devs.length === 0) invalid(field, 'no device given');
  return devs.map((d) => checkPath(field, d));
}

/** One config line. Values are double-quoted as fstests' own examples are. */
export function configLine(key: string, value: string): string {
  return `${checkKey(key)}="${checkValue(key, value)}"`;
}
