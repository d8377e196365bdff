import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { contactRequestRateLimits } from '../../../../shared/domain/contact-requests.js';
import { slotKeys } from '../../../../shared/domain/rate-limits.js';
import { storage } from '../../../../shared/storage/clients.js';
import { storageErrorCode } from '../../../../shared/storage/errors.js';
import { rateLimitTableName } from '../../../../shared/storage/names.js';
import { consumeRateLimits, rateLimitPartition, type RateLimitKey } from '../../../../shared/storage/rate-limit.js';
import { startTestHost, type TestHost } from '../../../support/host.js';
import { workerConnectionString } from '../../../support/storage.js';
import { startStorageProxy, type StorageProxy } from '../../../support/storage-proxy.js';

/**
 * The rate limiter against Azurite through a counting proxy: every round trip it makes to a day's
 * rate-limit table is seen, so "one round trip per key" is checked, not assumed, beside the
 * exactness it must keep under contention.
 */
let proxy: StorageProxy;
let t: TestHost;
beforeAll(async () => {
  proxy = await startStorageProxy(workerConnectionString());
  t = await startTestHost({ functions: [], connectionString: proxy.connectionString });
});
afterAll(async () => {
  await t?.stop();
  await proxy?.stop();
});

const hour = { limit: 5, windowSeconds: 3600 };
const at = new Date('2026-03-02T10:00:00Z');
const later = (seconds: number) => new Date(at.getTime() + seconds * 1000);

/** The round trips to the rate-limit table of `day`'s UTC day made while `run` runs, as `METHOD status`. */
async function roundTripsOf<T>(run: () => Promise<T>, day = at): Promise<{ result: T; trips: string[] }> {
  const before = proxy.roundTrips.length;
  const result = await run();
  const trips = proxy.roundTrips
    .slice(before)
    .filter((r) => r.resource === rateLimitTableName(day))
    .map((r) => `${r.method} ${r.status}`);
  return { result, trips };
}

async function storedSlots(key: RateLimitKey, day = at): Promise<string[]> {
  const table = (await storage()).table(rateLimitTableName(day));
  const partitionKey = rateLimitPartition(key.scope, key.key);
  const rows: string[] = [];
  try {
    for await (const e of table.listEntities({ queryOptions: { filter: `PartitionKey eq '${partitionKey}'` } }))
      rows.push(String(e.rowKey));
  } catch (error) {
    // No one took a slot that day: there is no table.
    if (storageErrorCode(error) !== 'TableNotFound') throw error;
  }
  return rows.sort();
}

const allowedCount = (results: { decision: { allowed: boolean } }[][]) =>
  results.filter((r) => r.every(({ decision }) => decision.allowed)).length;

describe('single-round-trip rate limit', () => {
  it('takes a slot of each key in one round trip, also once the key was used, and refuses a full key with one read and no write', async () => {
    const keys = contactRequestRateLimits('one-trip@customer.example', '203.0.113.10');
    // A request from a new requester: one create per key, nothing read first.
    const first = await roundTripsOf(() => consumeRateLimits(keys, at));
    expect(first.result.map((r) => r.decision.allowed)).toEqual([true, true]);
    expect(first.trips).toEqual(['POST 204', 'POST 204']);
    // The same requester again, four times: still one round trip per key.
    for (let i = 1; i < hour.limit; i++) {
      const next = await roundTripsOf(() => consumeRateLimits(keys, later(i)));
      expect(next.result.map((r) => r.decision.allowed)).toEqual([true, true]);
      expect(next.trips).toEqual(['POST 204', 'POST 204']);
    }
    // The sixth within the hour: the email key looks full, is read once, and nothing is written.
    const refused = await roundTripsOf(() => consumeRateLimits(keys, later(10)));
    expect(refused.result[0]?.decision).toEqual({ allowed: false, retryAfterSeconds: 3600 - 10 });
    expect(refused.trips).toEqual(['GET 200']);
    expect(await storedSlots(keys[0]!)).toEqual(slotKeys(hour.limit));
    // An hour after the first, its slot is free again: replaced under its ETag, still one round trip for that key.
    const reused = await roundTripsOf(() => consumeRateLimits(keys, later(3600)));
    expect(reused.result.map((r) => r.decision.allowed)).toEqual([true, true]);
    expect(reused.trips).toHaveLength(2);
    expect(reused.trips).toContain('PUT 204');
    expect(reused.trips.every((trip) => ['POST 204', 'PUT 204'].includes(trip))).toBe(true);
  });

  it('still exactly N under 50 concurrent callers', async () => {
    const key: RateLimitKey = { scope: 'bench-50', key: 'one key', limit: hour };
    const { result, trips } = await roundTripsOf(() =>
      Promise.all(Array.from({ length: 50 }, () => consumeRateLimits([key], at))),
    );
    expect(allowedCount(result)).toBe(hour.limit);
    expect(await storedSlots(key)).toEqual(slotKeys(hour.limit));
    // Exactly N writes succeeded; every other round trip was a lost race (409) or a read.
    expect(trips.filter((t) => t === 'POST 204')).toHaveLength(hour.limit);
    expect(trips.every((t) => ['POST 204', 'POST 409', 'GET 200'].includes(t))).toBe(true);
    // And with the key's slots now known, the next caller is refused from one read.
    expect((await roundTripsOf(() => consumeRateLimits([key], later(1)))).trips).toEqual(['GET 200']);
  });

  it('still exactly N under 50 concurrent callers counted against two keys at once (all or none)', async () => {
    const address = '203.0.113.50';
    const callers = Array.from({ length: 50 }, (_, i) =>
      contactRequestRateLimits(`caller-${i}@customer.example`, address),
    );
    const results = await Promise.all(callers.map((keys) => consumeRateLimits(keys, at)));
    expect(allowedCount(results)).toBe(20);
    expect(await storedSlots(callers[0]![1]!)).toEqual(slotKeys(20));
    // A refused caller's email slot was given back; an allowed one keeps exactly one.
    const emailSlots = await Promise.all(callers.map((keys) => storedSlots(keys[0]!)));
    expect(
      emailSlots.map((s, i) =>
        results[i]!.every(({ decision }) => decision.allowed) ? s.length === 1 : s.length === 0,
      ),
    ).toEqual(callers.map(() => true));
  });

  it('a view another instance made old never lets a request too many through', async () => {
    const key: RateLimitKey = { scope: 'other-instance', key: 'shared key', limit: hour };
    expect((await consumeRateLimits([key], at))[0]?.decision.allowed).toBe(true);
    // Another instance takes the other four slots: this one still believes they are free.
    const table = (await storage()).table(rateLimitTableName(at));
    const partitionKey = rateLimitPartition(key.scope, key.key);
    const taken = await storedSlots(key);
    for (const rowKey of slotKeys(hour.limit).filter((s) => !taken.includes(s))) {
      await table.createEntity({
        partitionKey,
        rowKey,
        takenAt: later(5).toISOString(),
        windowEnd: Math.ceil(later(3605).getTime() / 1000),
      });
    }
    const results = await Promise.all(Array.from({ length: 10 }, () => consumeRateLimits([key], later(10))));
    expect(allowedCount(results)).toBe(0);
    expect(results[0]?.[0]?.decision).toEqual({ allowed: false, retryAfterSeconds: 3600 - 10 });
  });
});

describe('rate limits across midnight (a table per UTC day)', () => {
  const midnight = new Date('2026-03-05T00:00:00Z');
  const before = (ms: number) => new Date(midnight.getTime() - ms);
  const after = (ms: number) => new Date(midnight.getTime() + ms);
  const dayBefore = before(1);

  it('counts the requests of the hour before midnight: a sixth just after it is refused, and a slot is free again an hour after its take', async () => {
    const key: RateLimitKey = { scope: 'midnight', key: 'late requester', limit: hour };
    for (let i = 0; i < hour.limit; i++)
      expect((await consumeRateLimits([key], before(60_000 - i * 1000)))[0]?.decision.allowed).toBe(true);
    expect(await storedSlots(key, dayBefore)).toEqual(slotKeys(hour.limit));
    // 00:00:10: the window reaches back to 23:00:10, so all five still count, read from both days' tables.
    const refused = await roundTripsOf(() => consumeRateLimits([key], after(10_000)), dayBefore);
    expect(refused.result[0]?.decision).toEqual({ allowed: false, retryAfterSeconds: 3600 - 70 });
    expect(refused.trips).toEqual(['GET 200']);
    expect(await storedSlots(key, midnight)).toEqual([]);
    // 00:59:00.5: the first take (23:59:00) is an hour old; its slot is closed yesterday, then created today.
    const yesterdays = await roundTripsOf(
      () => roundTripsOf(() => consumeRateLimits([key], after(3_540_500)), midnight),
      dayBefore,
    );
    expect(yesterdays.result.result[0]?.decision).toEqual({ allowed: true });
    expect(yesterdays.trips).toEqual(['PUT 204']);
    expect(yesterdays.result.trips).toEqual(['POST 204']);
    expect(await storedSlots(key, midnight)).toHaveLength(1);
    // And the next one is refused again: the other four still count, the first until 00:59:01.
    expect((await consumeRateLimits([key], after(3_540_800)))[0]?.decision).toEqual({
      allowed: false,
      retryAfterSeconds: 1,
    });
  });

  it('still exactly N when 50 concurrent callers straddle midnight', async () => {
    const key: RateLimitKey = { scope: 'midnight-50', key: 'one key', limit: hour };
    const results = await Promise.all(
      Array.from({ length: 50 }, (_, i) => consumeRateLimits([key], i % 2 === 0 ? before(100) : after(100))),
    );
    expect(allowedCount(results)).toBe(hour.limit);
    // Each slot holds one take: in yesterday's table, or closed there and taken today.
    const yesterday = await storedSlots(key, dayBefore);
    const today = await storedSlots(key, midnight);
    expect(today.every((slot) => yesterday.includes(slot))).toBe(true);
    expect(yesterday).toEqual(slotKeys(hour.limit));
    // Later that hour the key is still full, whoever took which slot.
    expect((await consumeRateLimits([key], after(60_000)))[0]?.decision.allowed).toBe(false);
  });

  it('a writer still on yesterday cannot take a slot a writer of today has closed', async () => {
    const key: RateLimitKey = {
      scope: 'midnight-late-writer',
      key: 'shared key',
      limit: { limit: 1, windowSeconds: 3600 },
    };
    // Today's writer takes the one slot: closed in yesterday's table (which had no row), created in today's.
    expect((await consumeRateLimits([key], after(1000)))[0]?.decision.allowed).toBe(true);
    // A request under way since before midnight (or a clock a second behind) is refused, not let through.
    expect((await consumeRateLimits([key], before(1000)))[0]?.decision.allowed).toBe(false);
    expect(await storedSlots(key, dayBefore)).toEqual(['00']);
    expect(await storedSlots(key, midnight)).toEqual(['00']);
  });
});
