import { readFile } from 'node:fs/promises';
import { z } from 'zod';
import { UnknownConfig } from '../../common/configs/resolve';
import { describeZodError } from '../../common/errors';
import { DeviceSetSpec, ExpungeEntry, RunSpec } from '../../common/schemas';
import { BadFlags, planRuns, type FlagFiles, type RunFlags } from './run-flags';
import { parseSpecText, SpecFileError } from '../core/spec-file';
import { loadUserConfigs, loadUserDefaults, UserConfigError } from '../core/user-config';

export interface ValidRun {
  label: string;
  spec: RunSpec;
}

async function parsedFile<T>(file: string, schema: z.ZodType<T>, what: string): Promise<T> {
  const raw = parseSpecText(await readFile(file, 'utf8'), file);
  const r = schema.safeParse(raw);
  if (!r.success) throw new BadFlags(`${what} ${file}:\n${describeZodError(r.error, schema)}`);
  return r.data;
}

/** Flags, the user's defaults and configs, the files flags name → validated RunSpecs, or what is wrong. */
export async function prepareRuns(
  f: RunFlags & { devicesSpec?: string; expunge?: string },
  words: readonly string[],
): Promise<{ runs: ValidRun[] } | { error: string }> {
  try {
    const files: FlagFiles = {
      ...(f.devicesSpec ? { devices: await parsedFile(f.devicesSpec, DeviceSetSpec, '--devices-spec') } : {}),
      ...(f.expunge ? { expunge: await parsedFile(f.expunge, z.array(ExpungeEntry), '--expunge') } : {}),
    };
    const plans = planRuns(f, words, await loadUserDefaults(), await loadUserConfigs(), files);
    const runs: ValidRun[] = [];
    const problems: string[] = [];
    for (const p of plans) {
      const parsed = RunSpec.safeParse(p.spec);
      if (parsed.success) runs.push({ label: p.label, spec: parsed.data });
      else
        problems.push(
          `invalid input${plans.length > 1 ? ` for ${p.label}` : ''}:\n${describeZodError(parsed.error, RunSpec)}`,
        );
    }
    return problems.length ? { error: problems.join('\n') } : { runs };
  } catch (err) {
    if ([BadFlags, UnknownConfig, UserConfigError, SpecFileError].some((c) => err instanceof c))
      return { error: (err as Error).message };
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return { error: (err as Error).message };
    throw err;
  }
}
