import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import {
  idempotencyKeyCutoff,
  idempotencyKeyExpired,
  idempotencyKeyRetentionMs,
  rateLimitMarginSeconds,
  rateLimitTableOver,
} from '../../../../shared/domain/storage-retention.js';

const now = new Date('2030-01-02T12:00:00.000Z');
const hour = 3600;

describe('rate-limit day tables', () => {
  const day = 86_400_000;
  const dayStart = Date.parse('2030-01-02T00:00:00.000Z');
  const at = (ms: number) => new Date(dayStart + ms);

  it("are kept through their day and the next, when the next day's windows (a day at most) reach back, and the margin", () => {
    expect(rateLimitMarginSeconds).toBeGreaterThanOrEqual(300);
    expect(rateLimitTableOver(dayStart, at(day + 3600_000))).toBe(false);
    expect(rateLimitTableOver(dayStart, at(2 * day))).toBe(false);
    expect(rateLimitTableOver(dayStart, at(2 * day + rateLimitMarginSeconds * 1000 - 1))).toBe(false);
  });

  it('are over once no window can reach them, margin included', () => {
    expect(rateLimitTableOver(dayStart, at(2 * day + rateLimitMarginSeconds * 1000))).toBe(true);
    expect(rateLimitTableOver(dayStart, at(30 * day))).toBe(true);
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
