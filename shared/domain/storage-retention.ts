/**
 * How long the storage-cleanup timer keeps rate-limit slots and Idempotency-Key claims. Pure: the
 * cleanup narrows its queries with the cutoffs and checks each row with the predicates before deleting.
 */

/**
 * A day's rate-limit table is kept this long after the last window that can reach it ended. Windows come from each
 * instance's own clock; the margin covers clock skew between instances (a slot one of them still counts as taken).
 */
export const rateLimitMarginSeconds = 3600;

/**
 * A claim is kept for 24 hours after it was made: long enough for any client retry (seconds to
 * minutes, or a retry the next morning), and ~300× the longest a request can be in progress
 * (host.json functionTimeout, 5 minutes), so a claim is never removed from under the request that
 * made it. A retry after that is a new request.
 */
export const idempotencyKeyRetentionMs = 24 * 3600 * 1000;

/**
 * Whether the rate-limit table of the UTC day starting at `dayStart` (ms) is over at `now`: writers of that day read it
 * until it ends, and of the next day for at most a window (a day at most) into it; the margin on top.
 */
export const rateLimitTableOver = (dayStart: number, now: Date): boolean =>
  dayStart + 2 * 86_400_000 + rateLimitMarginSeconds * 1000 <= now.getTime();

/** Claims made before this instant (ISO 8601, as `createdAt` is stored) are past their retention. */
export const idempotencyKeyCutoff = (now: Date): string =>
  new Date(now.getTime() - idempotencyKeyRetentionMs).toISOString();

/** Whether a claim made at `createdAt` (ISO 8601) is past its retention. */
export const idempotencyKeyExpired = (createdAt: string, now: Date): boolean =>
  Date.parse(createdAt) < now.getTime() - idempotencyKeyRetentionMs;
