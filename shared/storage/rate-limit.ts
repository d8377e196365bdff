import { odata } from '@azure/data-tables';
import { now as clockNow } from '../clock.js';
import { legacyRateLimitWindowSeconds, rateLimitCutoffSeconds, rateLimitWindowOver } from '../domain/storage-retention.js';
import { storageStatus } from '../http/etag.js';
import { storage } from './clients.js';
import { deleteExpired, readEntity } from './entities.js';
import { hashedKey } from './hashed-key.js';
import { tableNames } from './names.js';

/**
 * A fixed-window counter per key in Table Storage, shared by every instance: one entity per
 * key (partition `<scope>:<sha256(key)>`, row ''), holding the current window's start, end and
 * count. Read, then create or update under the entity's ETag; a lost race (or a counter the
 * storage-cleanup timer deleted meanwhile) reads again.
 */
export interface RateLimit {
  limit: number;
  windowSeconds: number;
}

export type RateLimitDecision = { allowed: true } | { allowed: false; retryAfterSeconds: number };

interface CounterEntity {
  partitionKey: string;
  rowKey: string;
  windowStart: number;
  /** Seconds since the epoch, so the cleanup can find ended windows with a filter; absent on counters written before it. */
  windowEnd?: number;
  count: number;
}

const maxAttempts = 5;

const counterPartition = (scope: string, key: string) => `${scope}:${hashedKey(key)}`;

/** The window `now` falls in, the attempts counted in it so far, and the answer once they reach the limit. */
function currentWindow(counter: CounterEntity | undefined, windowSeconds: number, now: number) {
  const windowStart = Math.floor(now / 1000 / windowSeconds) * windowSeconds;
  const refused: RateLimitDecision = { allowed: false, retryAfterSeconds: Math.max(1, windowStart + windowSeconds - Math.floor(now / 1000)) };
  return { windowStart, count: counter?.windowStart === windowStart ? counter.count : 0, refused };
}

/** Whether one more attempt for `key` would be allowed now, without counting it (a refused request must not move any counter). */
export async function checkRateLimit(scope: string, key: string, { limit, windowSeconds }: RateLimit, now = clockNow().getTime()): Promise<RateLimitDecision> {
  const table = (await storage()).table(tableNames.rateLimits);
  const { count, refused } = currentWindow(await readEntity<CounterEntity>(table, counterPartition(scope, key), ''), windowSeconds, now);
  return count < limit ? { allowed: true } : refused;
}

/** Counts one attempt for `key`; refuses once `limit` attempts fell in the current window. */
export async function consumeRateLimit(scope: string, key: string, { limit, windowSeconds }: RateLimit, now = clockNow().getTime()): Promise<RateLimitDecision> {
  const table = (await storage()).table(tableNames.rateLimits);
  const partitionKey = counterPartition(scope, key);
  for (let attempt = 1; ; attempt++) {
    try {
      const current = await readEntity<CounterEntity>(table, partitionKey, '');
      const { windowStart, count, refused } = currentWindow(current, windowSeconds, now);
      const windowEnd = windowStart + windowSeconds;
      if (!current) {
        await table.createEntity<CounterEntity>({ partitionKey, rowKey: '', windowStart, windowEnd, count: 1 });
        return { allowed: true };
      }
      if (count >= limit) return refused;
      await table.updateEntity<CounterEntity>({ partitionKey, rowKey: '', windowStart, windowEnd, count: count + 1 }, 'Replace', { etag: current.etag });
      return { allowed: true };
    } catch (error) {
      const status = storageStatus(error);
      // 409: created meanwhile; 412: counted meanwhile; 404: deleted by the cleanup meanwhile.
      if ((status === 409 || status === 412 || status === 404) && attempt < maxAttempts) continue;
      throw error;
    }
  }
}

/**
 * Deletes the counters whose window ended (margin included): the next attempt for their key starts
 * a new window anyway. Returns how many were deleted.
 */
export async function deleteEndedRateLimits(now: Date): Promise<number> {
  const table = (await storage()).table(tableNames.rateLimits);
  const cutoff = rateLimitCutoffSeconds(now);
  const filter = odata`windowEnd lt ${cutoff} or windowStart lt ${cutoff - legacyRateLimitWindowSeconds}`;
  return deleteExpired<CounterEntity>(table, filter, (counter) => rateLimitWindowOver(counter, now));
}
