import type { TableClient, TableEntityResult } from '@azure/data-tables';
import { storageStatus } from '../http/etag.js';

/** One entity by its keys, or undefined when there is none (storage's 404); any other failure is thrown. */
export async function readEntity<T extends object>(table: TableClient, partitionKey: string, rowKey: string): Promise<TableEntityResult<T> | undefined> {
  try {
    return await table.getEntity<T>(partitionKey, rowKey);
  } catch (error) {
    if (storageStatus(error) === 404) return undefined;
    throw error;
  }
}
