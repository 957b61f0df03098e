import { basename, extname } from 'node:path';
import { kernelLabel, type MatrixSpec } from '../../common/schemas';
import { readableId } from '../core/run-id';

// What starting a matrix looks like, shared by `fsto matrix` and schedules' actions.

export { MATRIX_WORKFLOW } from '../core/workflow-names';

/** The matrix's name: the spec's own, else the spec file's name made id-safe. */
export function matrixName(spec: MatrixSpec, specPath: string): string {
  if (spec.name) return spec.name;
  const stem = basename(specPath, extname(specPath)).replace(/[^A-Za-z0-9._-]/g, '-');
  return stem.replace(/\.\.+/g, '.').slice(0, 64) || 'matrix';
}

/** Readable, sortable ids: fsto-matrix-nightly-20261121-223015-3fa2. */
export function matrixId(name: string, now = new Date()): string {
  return readableId(`fsto-matrix-${name}`, now);
}

/** Workflow start options besides id and queue: the spec (named), memo and UI summary. */
export function matrixStartFields(spec: MatrixSpec, specPath: string, name = matrixName(spec, specPath)) {
  const named: MatrixSpec = { ...spec, name };
  const cells = spec.configs.length * Math.max(1, spec.kernels.length);
  return {
    args: [named] as [MatrixSpec],
    memo: { specFile: specPath, matrixName: name },
    staticSummary: `fstests matrix ${name}: ${spec.configs.map((c) => c.name).join(', ')} × ${spec.kernels.length || 'host-newest'} kernel(s) (${cells} runs)`,
    staticDetails: `spec: ${specPath}\nfstests: ${spec.fstests}\nkernels: ${spec.kernels.map(kernelLabel).join(', ') || '(host newest)'}`,
  };
}
