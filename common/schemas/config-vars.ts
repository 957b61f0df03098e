import { z } from 'zod';

// What may go into a generated local.config, as schemas (workflow-safe): the CLI and RunSpec
// refuse what activities/fstests/config-values.ts would refuse in the guest, before anything starts.
// fstests eval()s each `KEY="value"` line of a section (common/config parse_config_section), so
// values keep to characters that mean nothing to the shell there.

// These rules are the only copy: activities/fstests/config-values.ts checks the same ones on the
// host (for what the spec did not already refuse), importing them from here.

/** Characters a value may hold: enough for mkfs/mount options (`-m reflink=1 -O ^64bit`, `-o a=b,c`). */
export const SAFE_VALUE = /^[A-Za-z0-9 _.,:=/+@%^~-]*$/;
export const SAFE_VALUE_RULE =
  'fstests eval()s config values: use letters, digits, blanks and _ . , : = / + @ % ^ ~ - (no quotes, $, `, \\, #, ;)';
/** fstests squeezes out blanks around any "=" of a value. */
export const SQUEEZED_BLANKS = /\s=|=\s/;
export const SQUEEZED_BLANKS_RULE =
  'blanks around "=" are squeezed out by fstests; write "a=b" without blanks';
/** A shell variable of a config (ours, a device's). */
export const CONFIG_KEY = /^[A-Z_][A-Z0-9_]{0,63}$/;

/** The characters of a section name: fstests' get_config_sections() takes `[[:alnum:]_-]*` between brackets. */
export const SECTION_CHARS = 'A-Za-z0-9_-';
export const SECTION_NAME = new RegExp(`^[${SECTION_CHARS}]{1,64}$`);
export const SECTION_RULE =
  'fstests recognises section names of letters, digits, _ and - only (no dots or blanks): ' +
  'rename the section in your config file and pass that name';
/** The section of a config file to run (`fsto run --config FILE --section NAME`). */
export const SectionName = z.string().regex(SECTION_NAME, SECTION_RULE);

export const ConfigValue = z
  .string()
  .max(1000)
  .regex(SAFE_VALUE, SAFE_VALUE_RULE)
  .refine((v) => !SQUEEZED_BLANKS.test(v), SQUEEZED_BLANKS_RULE);

/** Set by fsto itself in every generated config (or by a dedicated RunSpec field). */
export const FSTO_CONFIG_VARS = [
  'FSTYP', 'TEST_DIR', 'SCRATCH_MNT', 'RESULT_BASE', 'MKFS_OPTIONS', 'MOUNT_OPTIONS', 'HOST_OPTIONS',
  'USE_EXTERNAL',
] as const; // prettier-ignore

/** A variable for the generated local.config: upper-case, not a device (those come from devices), not ours. */
export const ConfigVarName = z
  .string()
  .regex(
    /^[A-Z][A-Z0-9_]{0,63}$/,
    'a config variable is upper-case letters, digits and _ (e.g. SOAK_DURATION)',
  )
  .refine((k) => !(FSTO_CONFIG_VARS as readonly string[]).includes(k), {
    message: 'set by fsto itself; use the matching option (--fs, --mkfs, --mount, a config)',
  })
  .refine((k) => !/_(DEV|DEV_POOL|LOGDEV|RTDEV)$/.test(k), {
    message: 'a device variable: devices come from the device layout (--devices-spec, a config)',
  });

/** Variables for a generated local.config; a bad name is reported with its own reason. */
export const ConfigVars = z.record(z.string(), ConfigValue).superRefine((vars, ctx) => {
  for (const key of Object.keys(vars)) {
    const r = ConfigVarName.safeParse(key);
    if (!r.success) ctx.addIssue({ code: 'custom', path: [key], message: r.error.issues[0]!.message });
  }
});
