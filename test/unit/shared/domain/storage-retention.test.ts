import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import {
  idempotencyKeyCutoff,
  idempotencyKeyExpired,
  idempotencyKeyRetentionMs,
  rateLimitCutoffSeconds,
  rateLimitMarginSeconds,
  rateLimitWindowOver,
} from '../../../../shared/domain/storage-retention.js';

const now = new Date('2030-01-02T12:00:00.000Z');
const nowSeconds = now.getTime() / 1000;
const hour = 3600;

describe('rate-limit slots and counters', () => {
  it('are over only once their window ended more than the margin ago', () => {
    expect(rateLimitMarginSeconds).toBeGreaterThanOrEqual(300);
    const endedAgo = (seconds: number) => ({
      windowStart: nowSeconds - seconds - hour,
      windowEnd: nowSeconds - seconds,
    });
    expect(rateLimitWindowOver(endedAgo(rateLimitMarginSeconds + 1), now)).toBe(true);
    expect(rateLimitWindowOver(endedAgo(rateLimitMarginSeconds), now)).toBe(false);
    expect(rateLimitWindowOver(endedAgo(0), now)).toBe(false);
    expect(rateLimitWindowOver({ windowStart: nowSeconds - 60, windowEnd: nowSeconds + hour - 60 }, now)).toBe(false);
  });

  it('as slots (windowEnd only: when the slot became free) are over once free for longer than the margin', () => {
    expect(rateLimitWindowOver({ windowEnd: nowSeconds - rateLimitMarginSeconds - 1 }, now)).toBe(true);
    expect(rateLimitWindowOver({ windowEnd: nowSeconds - 60 }, now)).toBe(false);
  });

  it('with a long window are kept while the window runs, however long ago it started', () => {
    const day = 24 * hour;
    expect(rateLimitWindowOver({ windowStart: nowSeconds - day + 60, windowEnd: nowSeconds + 60 }, now)).toBe(false);
  });

  it('written before windowEnd was stored count as one-hour windows', () => {
    expect(rateLimitWindowOver({ windowStart: nowSeconds - hour - rateLimitMarginSeconds - 1 }, now)).toBe(true);
    expect(rateLimitWindowOver({ windowStart: nowSeconds - hour }, now)).toBe(false);
  });

  it('are filtered with the same cutoff the predicate uses', () => {
    expect(rateLimitCutoffSeconds(now)).toBe(nowSeconds - rateLimitMarginSeconds);
  });
});

describe('Idempotency-Key claims', () => {
  const madeAgo = (ms: number) => new Date(now.getTime() - ms).toISOString();

  it('are kept for 24 hours and deleted after', () => {
    expect(idempotencyKeyRetentionMs).toBe(24 * hour * 1000);
    expect(idempotencyKeyExpired(madeAgo(idempotencyKeyRetentionMs + 1), now)).toBe(true);
    expect(idempotencyKeyExpired(madeAgo(idempotencyKeyRetentionMs), now)).toBe(false);
    expect(idempotencyKeyExpired(madeAgo(60_000), now)).toBe(false);
  });

  it('outlive by far any request still in progress (host.json functionTimeout)', () => {
    const { functionTimeout } = JSON.parse(readFileSync('host.json', 'utf8')) as { functionTimeout: string };
    const [h, m, s] = functionTimeout.split(':').map(Number) as [number, number, number];
    expect(idempotencyKeyRetentionMs).toBeGreaterThan(100 * (h * hour + m * 60 + s) * 1000);
  });

  it('are filtered on createdAt as stored: the cutoff is an ISO string that sorts with them', () => {
    const cutoff = idempotencyKeyCutoff(now);
    expect(cutoff).toBe('2030-01-01T12:00:00.000Z');
    expect(madeAgo(idempotencyKeyRetentionMs + 1) < cutoff).toBe(true);
    expect(madeAgo(idempotencyKeyRetentionMs - 1) < cutoff).toBe(false);
  });
});
