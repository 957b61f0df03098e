import { defineQuery } from '@temporalio/workflow';
import type { RunProgress } from './schemas';

// Queries answer from workflow memory: nothing is added to the history to serve them.
export const progressQuery = defineQuery<RunProgress>('progress');
