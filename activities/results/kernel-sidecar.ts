import { readFile, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { hostKeyOf, type Comparison } from '../../common/schemas';

// The kernels a matrix built from git (`tree@branch=commit`), kept beside its report as
// <reports>/<id>.kernels.json, so the next night's comparison names both sides' commits. Kept
// where the report is (the reporting host), not in the results store: a baseline reported on
// another host names no commits.

const sidecar = (reportPath: string, id: string) =>
  join(dirname(reportPath), `${hostKeyOf(id)}.kernels.json`);

export async function withKernels(
  reportPath: string,
  id: string,
  kernels: string[] | undefined,
  baseline: string | undefined,
  comparison: Comparison | undefined,
): Promise<Comparison | undefined> {
  if (!kernels?.length) return comparison;
  await writeFile(sidecar(reportPath, id), `${JSON.stringify(kernels)}\n`);
  if (!comparison) return comparison;
  const base = baseline
    ? await readFile(sidecar(reportPath, baseline), 'utf8').then(
        (t) => JSON.parse(t) as string[],
        () => undefined,
      )
    : undefined;
  return { ...comparison, kernels: { ...(base ? { base } : {}), current: kernels } };
}
