import { deleteExpiredIdempotencyKeys } from '../storage/idempotency.js';
import { deleteEndedRateLimits } from '../storage/rate-limit.js';

/**
 * Deletes rate-limit slots and Idempotency-Key claims past their retention at `at`; how many of each. Safe to run twice
 * or on two instances at once.
 */
export async function cleanUpStorage(at: Date): Promise<{ rateLimits: number; idempotencyKeys: number }> {
  const [rateLimits, idempotencyKeys] = await Promise.all([
    deleteEndedRateLimits(at),
    deleteExpiredIdempotencyKeys(at),
  ]);
  return { rateLimits, idempotencyKeys };
}
