import { defineQuery, defineSignal } from '@temporalio/workflow';
import type { RunProgress, TestFinishedSignal } from './schemas';

// Queries answer from workflow memory: nothing is added to the history to serve them.
export const progressQuery = defineQuery<RunProgress>('progress');

/** The batch activity reports each finished test as it happens (one history event per test). */
export const testFinishedSignal = defineSignal<[TestFinishedSignal]>('testFinished');
