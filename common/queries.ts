import { defineQuery, defineSignal, defineUpdate } from '@temporalio/workflow';
import type {
  BatchProgressSignal,
  ListingOffer,
  MatrixProgress,
  PullReply,
  PullRequest,
  RunProgress,
} from './schemas';

// Queries answer from workflow memory: nothing is added to the history to serve them.
export const progressQuery = defineQuery<RunProgress>('progress');

/** A matrix's runs (config × kernel) and their test counts. */
export const matrixProgressQuery = defineQuery<MatrixProgress>('matrixProgress');

/** The batch activity reports the listing and each finished test as they happen. */
export const batchProgressSignal = defineSignal<[BatchProgressSignal]>('batchProgress');

/** A matrix shard asks for its next test (or to list the selection, or hears it is done). */
export const nextTestUpdate = defineUpdate<PullReply, [PullRequest]>('nextTest');
/** The shard that listed the selection hands the list to the matrix. */
export const offerListingUpdate = defineUpdate<void, [ListingOffer]>('offerListing');
