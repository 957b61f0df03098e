import { defineSearchAttributeKey, SearchAttributeType } from '@temporalio/common';

// Typed search attributes shown as columns and filters in the Temporal Web UI.
export const SA_KERNEL = defineSearchAttributeKey('FstoKernel', SearchAttributeType.KEYWORD);
export const SA_FS_CONFIG = defineSearchAttributeKey('FstoFsConfig', SearchAttributeType.KEYWORD);
export const SA_OUTCOME = defineSearchAttributeKey('FstoOutcome', SearchAttributeType.KEYWORD);
export const SA_FAILED_COUNT = defineSearchAttributeKey('FstoFailedCount', SearchAttributeType.INT);

export const ALL_SEARCH_ATTRIBUTES = [SA_KERNEL, SA_FS_CONFIG, SA_OUTCOME, SA_FAILED_COUNT];
