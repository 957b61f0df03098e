import { defineQuery, defineSignal } from '@temporalio/workflow';
import type { MatrixProgress, RunProgress, BatchProgressSignal } from './schemas';

// Queries answer from workflow memory: nothing is added to the history to serve them.
export const progressQuery = defineQuery<RunProgress>('progress');

/** A matrix's runs (config × kernel) and their test counts. */
export const matrixProgressQuery = defineQuery<MatrixProgress>('matrixProgress');

/** The batch activity reports the listing and each finished test as they happen. */
export const batchProgressSignal = defineSignal<[BatchProgressSignal]>('batchProgress');
