import type * as workflows from '../../workflows';

// The workflow types the CLI starts, by name (starting one loads nothing of the workflow code)
// and typed (the compiler checks a start's args against the workflow's signature).

type Workflows = typeof workflows;

export const RUN_WORKFLOW = 'fstestsRun' satisfies keyof Workflows;
export const MATRIX_WORKFLOW = 'fstestsMatrix' satisfies keyof Workflows;
export const BISECT_WORKFLOW = 'fstestsBisect' satisfies keyof Workflows;

export type RunWorkflow = Workflows[typeof RUN_WORKFLOW];
export type MatrixWorkflow = Workflows[typeof MATRIX_WORKFLOW];
export type BisectWorkflow = Workflows[typeof BISECT_WORKFLOW];
