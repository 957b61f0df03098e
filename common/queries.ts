import { defineQuery, defineSignal, defineUpdate } from '@temporalio/workflow';
import type {
  BatchProgressSignal,
  CellProgress,
  ListingOffer,
  MatrixProgress,
  PullReply,
  PullRequest,
  RunProgress,
  RunSummary,
} from './schemas';

// Queries answer from workflow memory: nothing is added to the history to serve them.
export const progressQuery = defineQuery<RunProgress>('progress');
/** A run's summary so far (status `cancelled` once cancelled); answered after it closed too. */
export const summaryQuery = defineQuery<RunSummary>('summary');

/** A matrix's cells (config × kernel): status, cell workflow id, counts once a cell ended. */
export const matrixProgressQuery = defineQuery<MatrixProgress>('matrixProgress');
/** A cell's listing size, settled verdicts and shards (query live shards with `progress`). */
export const cellProgressQuery = defineQuery<CellProgress>('cellProgress');

/** The batch activity reports the listing and each finished test as they happen. */
export const batchProgressSignal = defineSignal<[BatchProgressSignal]>('batchProgress');

/** A matrix shard asks its cell for its next chunk of tests (or to list, wait, or stop). */
export const nextTestUpdate = defineUpdate<PullReply, [PullRequest]>('nextTest');
/** The shard that listed the selection hands the list to its cell. */
export const offerListingUpdate = defineUpdate<void, [ListingOffer]>('offerListing');
