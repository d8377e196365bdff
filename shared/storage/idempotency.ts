import { createHash } from 'node:crypto';
import { storageStatus } from '../http/etag.js';
import { storage } from './clients.js';
import { tableNames } from './names.js';

export const sha256 = (text: string): string => createHash('sha256').update(text, 'utf8').digest('hex');

export interface IdempotencyClaim {
  /** The resource the key stands for: the one just claimed, or the one an earlier request made. */
  resourceId: string;
  /** Whether an earlier request already claimed the key. */
  replay: boolean;
  /** Whether the earlier request had the same body (a different body with the same key is a client error). */
  sameRequest: boolean;
}

/** Claims `key` in `scope` for `resourceId`, or returns what an earlier request with the key claimed. */
export async function claimIdempotencyKey(scope: string, key: string, requestHash: string, resourceId: string, at: Date): Promise<IdempotencyClaim> {
  const t = (await storage()).table(tableNames.idempotencyKeys);
  const rowKey = sha256(key);
  try {
    await t.createEntity({ partitionKey: scope, rowKey, requestHash, resourceId, createdAt: at.toISOString() });
    return { resourceId, replay: false, sameRequest: true };
  } catch (error) {
    if (storageStatus(error) !== 409) throw error;
  }
  const earlier = await t.getEntity<{ requestHash: string; resourceId: string }>(scope, rowKey);
  return { resourceId: earlier.resourceId, replay: true, sameRequest: earlier.requestHash === requestHash };
}
