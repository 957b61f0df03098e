import type { Connection } from '@temporalio/client';
import { msToTs, type SearchAttributeType } from '@temporalio/common';
import { ALL_SEARCH_ATTRIBUTES } from '../../common/search-attributes';

// What `temporal server start-dev` did for us and the server binary does not: the namespace and
// fsto's search attributes (columns and filters in the Web UI). Idempotent; run on every start
// (two cheap calls once they exist). The cluster's counterpart: deploy/temporal/init.sh.

/** Runs stay in the Web UI (their histories readable) this long: a week of nightlies. The results store keeps verdicts for good. */
export const EMBEDDED_RETENTION_DAYS = 7;

const ALREADY_EXISTS = 6; // gRPC status

/** temporal.api.enums.v1.IndexedValueType, by the SDK's name of each type. */
const INDEXED_VALUE_TYPE: Record<SearchAttributeType, number> = {
  TEXT: 1,
  KEYWORD: 2,
  INT: 3,
  DOUBLE: 4,
  BOOL: 5,
  DATETIME: 6,
  KEYWORD_LIST: 7,
};

export async function ensureNamespace(connection: Connection, namespace: string): Promise<void> {
  try {
    await connection.workflowService.registerNamespace({
      namespace,
      workflowExecutionRetentionPeriod: msToTs(`${EMBEDDED_RETENTION_DAYS} days`),
    });
  } catch (err) {
    if ((err as { code?: number }).code !== ALREADY_EXISTS) throw err;
  }
  const { customAttributes } = await connection.operatorService.listSearchAttributes({ namespace });
  const missing = ALL_SEARCH_ATTRIBUTES.filter((k) => !(k.name in (customAttributes ?? {})));
  if (missing.length === 0) return;
  await connection.operatorService.addSearchAttributes({
    namespace,
    searchAttributes: Object.fromEntries(missing.map((k) => [k.name, INDEXED_VALUE_TYPE[k.type]])),
  });
}
