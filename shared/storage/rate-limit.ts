import { odata, type TableClient } from '@azure/data-tables';
import { z } from 'zod';
import { now as clockNow } from '../clock.js';
import {
  freeSlots,
  refusal,
  slotFreeAt,
  type HeldSlot,
  type RateLimit,
  type RateLimitDecision,
} from '../domain/rate-limits.js';
import {
  legacyRateLimitWindowSeconds,
  rateLimitCutoffSeconds,
  rateLimitWindowOver,
} from '../domain/storage-retention.js';
import { storageStatus } from './errors.js';
import { storage } from './clients.js';
import { decodeEntity, deleteExpired, etagOf, type EntityKeys } from './entities.js';
import { hashedKey } from './hashed-key.js';
import { tableNames } from './names.js';

/**
 * Sliding-window limits (`shared/domain/rate-limits.ts`) in Table Storage, shared by every
 * instance and exact under contention: each key's slots are one partition (`<scope>:<sha256(key)>`,
 * row key = slot). An attempt takes a free slot in one round trip: by creating it (a slot never
 * taken) or by replacing it under its ETag (taken a window ago), chosen from what this instance
 * last saw of the key's slots. What it saw may be old, but the write is conditional, so an old view
 * never lets an attempt through: two attempts racing for one slot cannot both win (409 / 412), and
 * the loser reads the partition (one query) and takes another free slot, or is refused when none is
 * left. A key this instance has not seen is tried with a slot chosen at random. A refusal is always
 * read from storage, so its Retry-After is storage's. Nothing is retried a fixed number of times,
 * so contention never ends in an error.
 */
export interface RateLimitKey {
  scope: string;
  key: string;
  limit: RateLimit;
}

const slotSchema = z.object({
  /** When the slot was taken (ISO 8601, the app's clock); a counter of the earlier one-row layout has none. */
  takenAt: z.string().optional(),
  /** When it is free again, in seconds since the epoch: the storage-cleanup timer filters on it. */
  windowEnd: z.number().optional(),
  /** The earlier one-row layout's window start (seconds since the epoch). */
  windowStart: z.number().optional(),
});
const slotOf = (entity: Record<string, unknown>) => decodeEntity(tableNames.rateLimits, slotSchema, entity);
type SlotEntity = EntityKeys & { takenAt: string; windowEnd: number };

interface TakenSlot {
  partitionKey: string;
  rowKey: string;
  etag: string;
}

type KnownSlot = HeldSlot & { etag: string };

/** The partition holding the slots of `key` within `scope`. */
export const rateLimitPartition = (scope: string, key: string): string => `${scope}:${hashedKey(key)}`;

const rateLimitTable = async (): Promise<TableClient> => (await storage()).table(tableNames.rateLimits);

/**
 * What this instance last saw of each key's slots (partition → slots, oldest use first), per table
 * (a test's fresh account starts with nothing seen). It only chooses which slot to try: every take
 * is conditional on it, so an old or partial view costs a round trip, never exactness.
 */
const seen = new WeakMap<TableClient, Map<string, KnownSlot[]>>();
/** Keys remembered per instance: a few MB at most; the oldest used is forgotten first. */
const seenKeysMax = 20_000;

function seenOf(table: TableClient): Map<string, KnownSlot[]> {
  let keys = seen.get(table);
  if (!keys) seen.set(table, (keys = new Map<string, KnownSlot[]>()));
  return keys;
}

function remember(table: TableClient, partitionKey: string, slots: KnownSlot[]): void {
  const keys = seenOf(table);
  keys.delete(partitionKey);
  keys.set(partitionKey, slots);
  const oldest = keys.keys().next().value;
  if (keys.size > seenKeysMax && oldest !== undefined) keys.delete(oldest);
}

/** The view of one slot after a write (or without it, after a delete), the rest as seen. */
function rememberSlot(table: TableClient, partitionKey: string, rowKey: string, written: KnownSlot | undefined): void {
  const others = (seenOf(table).get(partitionKey) ?? []).filter((h) => h.slot !== rowKey);
  remember(table, partitionKey, written ? [...others, written] : others);
}

/**
 * One key's slots as stored now, with their ETags (a counter of the earlier one-row layout has no `takenAt` and is left
 * out).
 */
async function readSlots(table: TableClient, partitionKey: string): Promise<KnownSlot[]> {
  const slots: KnownSlot[] = [];
  for await (const entity of table.listEntities({ queryOptions: { filter: odata`PartitionKey eq ${partitionKey}` } })) {
    const { takenAt } = slotOf(entity);
    if (takenAt !== undefined && entity.rowKey !== undefined)
      slots.push({ slot: entity.rowKey, takenAt: Date.parse(takenAt), etag: etagOf(entity) });
  }
  remember(table, partitionKey, slots);
  return slots;
}

/**
 * Takes a free slot of `key` as `held` shows it (a slot it does not show is tried by creating it),
 * reading again after each lost race; refused once storage shows none free.
 */
async function takeSlot(
  table: TableClient,
  { scope, key, limit }: RateLimitKey,
  held: KnownSlot[],
  now: Date,
): Promise<TakenSlot | RateLimitDecision> {
  const partitionKey = rateLimitPartition(scope, key);
  const entity = (rowKey: string): SlotEntity => ({
    partitionKey,
    rowKey,
    takenAt: now.toISOString(),
    windowEnd: Math.ceil(slotFreeAt(now.getTime(), limit) / 1000),
  });
  // Ends: each lost race is a slot another attempt took, and a limit has only so many.
  for (;;) {
    const free = freeSlots(held, limit, now.getTime());
    // A random free slot, so concurrent attempts mostly take different ones; refused when none is free.
    const rowKey = free[Math.floor(Math.random() * free.length)];
    if (rowKey === undefined) return refusal(held, limit, now.getTime());
    const previous = held.find((h) => h.slot === rowKey);
    try {
      const written = previous
        ? await table.updateEntity(entity(rowKey), 'Replace', { etag: previous.etag })
        : await table.createEntity(entity(rowKey));
      const etag = etagOf(written);
      rememberSlot(table, partitionKey, rowKey, { slot: rowKey, takenAt: now.getTime(), etag });
      return { partitionKey, rowKey, etag };
    } catch (error) {
      const status = storageStatus(error);
      // 409: created meanwhile; 412: taken again meanwhile; 404: the cleanup deleted the expired slot.
      if (status !== 409 && status !== 412 && status !== 404) throw error;
      held = await readSlots(table, partitionKey);
    }
  }
}

/** Gives back a slot taken for an attempt that was refused after all (unless it was taken again since). */
async function releaseSlot(table: TableClient, slot: TakenSlot): Promise<void> {
  rememberSlot(table, slot.partitionKey, slot.rowKey, undefined);
  try {
    await table.deleteEntity(slot.partitionKey, slot.rowKey, { etag: slot.etag });
  } catch (error) {
    const status = storageStatus(error);
    if (status !== 404 && status !== 412) throw error;
  }
}

const allowed: RateLimitDecision = { allowed: true };
const isTaken = (result: TakenSlot | RateLimitDecision): result is TakenSlot => 'rowKey' in result;

/**
 * Counts one attempt against every key, or against none: when any key has no free slot, nothing
 * is written; when a concurrent attempt took the last slot of one key meanwhile, the slots taken
 * of the others are given back. Returns each key with its decision, in order. An attempt within
 * the limits is one round trip per key (the keys in parallel), unless it races another for a slot.
 */
export async function consumeRateLimits<K extends RateLimitKey>(
  keys: K[],
  now = clockNow(),
): Promise<{ key: K; decision: RateLimitDecision }[]> {
  const table = await rateLimitTable();
  const full = (held: KnownSlot[], key: K) => freeSlots(held, key.limit, now.getTime()).length === 0;
  const attempts = await Promise.all(
    keys.map(async (key) => {
      const partitionKey = rateLimitPartition(key.scope, key.key);
      const held = seenOf(table).get(partitionKey) ?? [];
      // Looks full: read what storage holds now, so a refusal and its Retry-After are storage's.
      return { key, held: full(held, key) ? await readSlots(table, partitionKey) : held };
    }),
  );
  if (attempts.some(({ key, held }) => full(held, key))) {
    return attempts.map(({ key, held }) => ({
      key,
      decision: full(held, key) ? refusal(held, key.limit, now.getTime()) : allowed,
    }));
  }
  const results = await Promise.all(
    attempts.map(async ({ key, held }) => ({ key, result: await takeSlot(table, key, held, now) })),
  );
  const taken = results.flatMap(({ result }) => (isTaken(result) ? [result] : []));
  if (taken.length < results.length) await Promise.all(taken.map((slot) => releaseSlot(table, slot)));
  return results.map(({ key, result }) => ({ key, decision: isTaken(result) ? allowed : result }));
}

/**
 * Deletes the slots that have been free for longer than the margin (and counters of the earlier
 * one-entity layout whose window ended): a free slot is taken by creating it again anyway.
 * Returns how many were deleted.
 */
export async function deleteEndedRateLimits(now: Date): Promise<number> {
  const table = await rateLimitTable();
  const cutoff = rateLimitCutoffSeconds(now);
  const filter = odata`windowEnd lt ${cutoff} or windowStart lt ${cutoff - legacyRateLimitWindowSeconds}`;
  return deleteExpired(table, filter, (row) => rateLimitWindowOver(slotOf(row), now));
}
