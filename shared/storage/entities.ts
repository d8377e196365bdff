import type { TableClient, TableEntityQueryOptions, TableEntityResult } from '@azure/data-tables';
import { storageStatus } from '../http/etag.js';
import { decodeContinuation, encodeContinuation, storageContinuationSchema } from '../http/paging.js';

/** One entity by its keys, or undefined when there is none (storage's 404); any other failure is thrown. */
export async function readEntity<T extends object>(table: TableClient, partitionKey: string, rowKey: string): Promise<TableEntityResult<T> | undefined> {
  try {
    return await table.getEntity<T>(partitionKey, rowKey);
  } catch (error) {
    if (storageStatus(error) === 404) return undefined;
    throw error;
  }
}

/** One page (at most `top`) of a query, resuming from and handing out the API's continuation token around storage's. */
export async function readPage<T extends object>(
  table: TableClient,
  queryOptions: TableEntityQueryOptions,
  top: number,
  continuationToken: string | undefined,
): Promise<{ entities: TableEntityResult<T>[]; continuationToken: string | null }> {
  const from = decodeContinuation(continuationToken, storageContinuationSchema);
  const { value: page } = await table
    .listEntities<T>({ queryOptions })
    .byPage({ maxPageSize: top, ...(from ? { continuationToken: from.t } : {}) })
    .next();
  return { entities: page ?? [], continuationToken: page?.continuationToken ? encodeContinuation({ t: page.continuationToken }) : null };
}
