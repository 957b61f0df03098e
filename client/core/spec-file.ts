import { readFile } from 'node:fs/promises';
import { dirname, extname, isAbsolute, resolve } from 'node:path';
import { parseDocument } from 'yaml';
import { describeZodError } from '../../common/errors';
import { MatrixSpec } from '../../common/schemas';

// A matrix spec file: JSON or YAML, host paths relative to the file itself (so a spec checked
// in next to its kernels and configs works from any directory), validated by MatrixSpec.

export class SpecFileError extends Error {
  override name = 'SpecFileError';
}

/** Parse JSON (.json) or YAML (anything else; JSON is YAML too). Duplicate keys are refused. */
export function parseSpecText(text: string, file: string): unknown {
  if (extname(file).toLowerCase() === '.json') {
    try {
      return JSON.parse(text) as unknown;
    } catch (err) {
      throw new SpecFileError(`${file}: not valid JSON: ${(err as Error).message}`);
    }
  }
  const doc = parseDocument(text, { uniqueKeys: true, prettyErrors: true });
  if (doc.errors.length > 0) {
    const first = doc.errors[0]!;
    const at = first.linePos ? `line ${first.linePos[0].line}, column ${first.linePos[0].col}: ` : '';
    throw new SpecFileError(`${file}: not valid YAML: ${at}${first.message.split('\n')[0]}`);
  }
  return doc.toJS() as unknown;
}

const isObj = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v);

/**
 * Make the host paths of a raw spec absolute against `base`. Only strings in the fields that
 * hold host paths are touched; anything else is left for the schema to judge.
 */
export function resolveSpecPaths(raw: unknown, base: string): unknown {
  if (!isObj(raw)) return raw;
  const abs = (v: unknown) => (typeof v === 'string' && v !== '' && !isAbsolute(v) ? resolve(base, v) : v);
  const out: Record<string, unknown> = { ...raw };
  for (const k of ['fstests', 'excludeFile'] as const) if (k in out) out[k] = abs(out[k]);
  if (Array.isArray(out.kernels))
    out.kernels = (out.kernels as unknown[]).map((k) => (isObj(k) ? { ...k, tree: abs(k.tree) } : abs(k)));
  if (Array.isArray(out.configs)) {
    out.configs = (out.configs as unknown[]).map((c) => {
      if (!isObj(c)) return c;
      const cc: Record<string, unknown> = { ...c };
      if ('configFile' in cc) cc.configFile = abs(cc.configFile);
      if (isObj(cc.devices) && Array.isArray(cc.devices.devices)) {
        cc.devices = {
          ...cc.devices,
          devices: (cc.devices.devices as unknown[]).map((d) =>
            isObj(d) && 'path' in d ? { ...d, path: abs(d.path) } : d,
          ),
        };
      }
      return cc;
    });
  }
  return out;
}

/** Validate a raw spec; the error lists every problem as `field: fix`. */
export function validateMatrixSpec(raw: unknown, file: string): MatrixSpec {
  const res = MatrixSpec.safeParse(raw);
  if (res.success) return res.data;
  throw new SpecFileError(`${file}: invalid matrix spec:\n${describeZodError(res.error, MatrixSpec)}`);
}

/** Read, parse, resolve paths and validate a matrix spec file. Throws SpecFileError. */
export async function loadMatrixSpec(file: string): Promise<{ spec: MatrixSpec; path: string }> {
  const path = resolve(file);
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code ?? (err as Error).message;
    throw new SpecFileError(`--spec: cannot read ${path} (${code}); give the path of a JSON or YAML file`);
  }
  const raw = resolveSpecPaths(parseSpecText(text, path), dirname(path));
  return { spec: validateMatrixSpec(raw, path), path };
}
