/**
 * How long the storage-cleanup timer keeps rate-limit slots and Idempotency-Key claims. Pure: the
 * cleanup narrows its queries with the cutoffs and checks each row with the predicates before deleting.
 */

/**
 * A rate-limit slot is deleted this long after its window ended (it became free). The window comes
 * from each instance's own clock; the margin covers clock skew between instances (a slot one of
 * them still counts as taken).
 */
export const rateLimitMarginSeconds = 3600;

/**
 * Rows of the earlier fixed-window counters written before `windowEnd` was stored carry only
 * `windowStart`; every limit then had a window of one hour.
 */
export const legacyRateLimitWindowSeconds = 3600;

/**
 * A claim is kept for 24 hours after it was made: long enough for any client retry (seconds to
 * minutes, or a retry the next morning), and ~300× the longest a request can be in progress
 * (host.json functionTimeout, 5 minutes), so a claim is never removed from under the request that
 * made it. A retry after that is a new request.
 */
export const idempotencyKeyRetentionMs = 24 * 3600 * 1000;

/** Rate-limit windows that ended before this (seconds since the epoch) are over, margin included. */
export const rateLimitCutoffSeconds = (now: Date): number => Math.floor(now.getTime() / 1000) - rateLimitMarginSeconds;

/**
 * Whether a slot's (or an earlier counter's) window ended more than the margin ago (`windowEnd` absent: a counter
 * written before it was stored).
 */
export function rateLimitWindowOver(
  row: { windowStart?: number | undefined; windowEnd?: number | undefined },
  now: Date,
): boolean {
  const windowEnd =
    row.windowEnd ?? (row.windowStart === undefined ? undefined : row.windowStart + legacyRateLimitWindowSeconds);
  return windowEnd !== undefined && windowEnd < rateLimitCutoffSeconds(now);
}

/** Claims made before this instant (ISO 8601, as `createdAt` is stored) are past their retention. */
export const idempotencyKeyCutoff = (now: Date): string =>
  new Date(now.getTime() - idempotencyKeyRetentionMs).toISOString();

/** Whether a claim made at `createdAt` (ISO 8601) is past its retention. */
export const idempotencyKeyExpired = (createdAt: string, now: Date): boolean =>
  Date.parse(createdAt) < now.getTime() - idempotencyKeyRetentionMs;
