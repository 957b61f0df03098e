import type { QueryDefinition, SignalDefinition, UpdateDefinition } from '@temporalio/common';
import type {
  BatchProgressSignal,
  BisectProgress,
  CellProgress,
  ListingOffer,
  MatrixProgress,
  PullReply,
  PullRequest,
  RunProgress,
  RunSummary,
} from './schemas';

// The definitions as @temporalio/workflow's defineQuery/defineSignal/defineUpdate make them (a type
// and a name), written here so the CLI, which reads this module on every command, does not load
// the workflow package (its start-up, issue 11). Workflows and clients use them alike.
const defineQuery = <R, A extends unknown[] = []>(name: string) =>
  ({ type: 'query', name }) as QueryDefinition<R, A>;
const defineSignal = <A extends unknown[] = []>(name: string) =>
  ({ type: 'signal', name }) as SignalDefinition<A>;
const defineUpdate = <R, A extends unknown[] = []>(name: string) =>
  ({ type: 'update', name }) as UpdateDefinition<R, A>;

// Queries answer from workflow memory: nothing is added to the history to serve them.
export const progressQuery = defineQuery<RunProgress>('progress');
/** A run's summary so far (status `cancelled` once cancelled); answered after it closed too. */
export const summaryQuery = defineQuery<RunSummary>('summary');

/** A bisection's range (good, bad, commits left), the commit under test and every step's verdicts. */
export const bisectProgressQuery = defineQuery<BisectProgress>('bisectProgress');

/** A matrix's cells (config × kernel): status, cell workflow id, counts once a cell ended. */
export const matrixProgressQuery = defineQuery<MatrixProgress>('matrixProgress');
/** A cell's listing size, settled verdicts and shards (query live shards with `progress`). */
export const cellProgressQuery = defineQuery<CellProgress>('cellProgress');
/** A cell: may this shard, told to wait, ask for work again (it would not be told to wait)? */
export const pullReadyQuery = defineQuery<boolean, [number]>('pullReady');
/**
 * A cell, asked before a shard boots a VM: would it have work for this shard (`go`), might it
 * soon (`wait`: another shard's chunk may still give tests back), or never again (`done`)?
 */
export const pullPeekQuery = defineQuery<PullPeek, [number]>('pullPeek');
export type PullPeek = 'go' | 'wait' | 'done';

/** The batch activity reports the listing and each finished test as they happen. */
export const batchProgressSignal = defineSignal<[BatchProgressSignal]>('batchProgress');

/** A matrix shard asks its cell for its next chunk of tests (or to list, wait, or stop). */
export const nextTestUpdate = defineUpdate<PullReply, [PullRequest]>('nextTest');
/** The shard that listed the selection hands the list to its cell. */
export const offerListingUpdate = defineUpdate<void, [ListingOffer]>('offerListing');
