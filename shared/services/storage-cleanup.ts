import { deleteExpiredIdempotencyKeys } from '../storage/idempotency.js';
import { deleteEndedRateLimitTables } from '../storage/rate-limit.js';

/**
 * Deletes the rate-limit tables of days no window reaches and Idempotency-Key claims past their retention at `at`; how many of each. Safe to run twice
 * or on two instances at once.
 */
export async function cleanUpStorage(at: Date): Promise<{ rateLimitTables: number; idempotencyKeys: number }> {
  const [rateLimitTables, idempotencyKeys] = await Promise.all([
    deleteEndedRateLimitTables(at),
    deleteExpiredIdempotencyKeys(at),
  ]);
  return { rateLimitTables, idempotencyKeys };
}
